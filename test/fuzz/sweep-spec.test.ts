/**
 * Fuzzing sweep specs: arbitrary JSON, valid specs with one field replaced by a random value (wrong types, huge
 * and non-integer numbers, deep nesting, long lists), random YAML-looking text and deeply nested YAML/JSON.
 *   - parseSweepSpec and the coordinator's plan (parse + expand) either accept the spec or throw SweepSpecError
 *     (a message naming the field); nothing else is ever thrown.
 *   - The same texts through the real gRPC CreateSweep: accepted iff the local plan accepts them (OK, or
 *     ALREADY_EXISTS for a changed spec under an existing name), otherwise INVALID_ARGUMENT; a refused request
 *     writes nothing, and the coordinator stays up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { status, type ServiceError } from '@grpc/grpc-js';
import { unary } from '@equiscale/contract';
import { parseSpecText, parseSweepSpec, planSweep } from '@equiscale/sweeps';
import { startStack, tinySpec, type Stack } from '../sweeps/helpers.js';
import { dbState } from './db-state.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
// A fixed seed by default, so a CI failure replays exactly (FUZZ_SEED=random, or a number, explores other inputs).
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20261201);
fc.configureGlobal({ seed: SEED });
console.log(`fuzz sweep-spec: seed ${SEED} (FUZZ_SEED to change)`);

/** Paths of a tiny valid spec where a mutation may land. */
const PATHS: (string | number)[][] = [
  ['name'],
  ['families'],
  ['families', 0],
  ['modelSizes'],
  ['modelSizes', 0],
  ['modelSizes', 0, 'label'],
  ['modelSizes', 0, 'dims'],
  ['modelSizes', 0, 'dims', 'transformer'],
  ['modelSizes', 0, 'dims', 'transformer', 'width'],
  ['modelSizes', 0, 'dims', 'transformer', 'depth'],
  ['modelSizes', 0, 'dims', 'transformer', 'heads'],
  ['steps'],
  ['steps', 0],
  ['trainSizes', 0],
  ['seeds'],
  ['seeds', 0],
  ['training'],
  ['training', 'batchSize'],
  ['eval', 'every'],
  ['checkpointEvery'],
  ['maxAttempts'],
  ['benchmark'],
  ['benchmark', 'bodiesMax'],
  ['benchmark', 'framesPerScene'],
  ['design'],
  ['unknownField'],
];

const deep = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    -1,
    0,
    0.5,
    1e308,
    -1e308,
    2 ** 31,
    2 ** 53,
    2 ** 64,
    '',
    'transformer',
    'x'.repeat(10_000),
    '\u0000',
    '🚀'.repeat(40),
    [],
    {},
    [1e9],
    [2 ** 31 - 1],
    Array.from({ length: 20 }, (_, i) => i * 1e6),
  ),
  fc.integer({ min: 1, max: 40 }).map((d) => deep(d * 25, 1)),
);

const mutated = fc.tuple(fc.constantFrom(...PATHS), value, fc.boolean()).map(([path, v, remove]) => {
  const spec = structuredClone(tinySpec({ name: 'fuzz-spec', seeds: [0] })) as any;
  let o = spec;
  for (const k of path.slice(0, -1)) {
    if (o[k] === null || typeof o[k] !== 'object') o[k] = {};
    o = o[k];
  }
  if (remove) delete o[path[path.length - 1]!];
  else o[path[path.length - 1]!] = v;
  return spec as unknown;
});

const yamlish = fc
  .array(fc.constantFrom('name: ', 'families:', '\n', '  - ', '[', ']', '{', '}', ': ', '- ', '&a ', '*a', '!!binary ', '? ', '|', '>', '"', "'", '#', '---\n', '...', 'seeds: [', '1', '-5', '1e99', 'x', '\t', ' ', '%YAML 1.2\n', '<<: *a'), { maxLength: 60 })
  .map((parts) => parts.join(''));

/** Each case: the text and the format the client says it is in. */
const cases = fc.oneof(
  fc.json({ maxDepth: 4 }).map((t) => [t, 'json'] as const),
  mutated.map((s) => [JSON.stringify(s), 'json'] as const),
  mutated.map((s) => [JSON.stringify(s), 'yaml'] as const), // JSON is YAML (flow style)
  mutated.map((s) => [JSON.stringify(s, null, 1), ''] as const),
  yamlish.map((t) => [t, 'yaml'] as const),
  fc.string({ maxLength: 200 }).map((t) => [t, ''] as const),
  fc.string({ unit: 'binary', maxLength: 200 }).map((t) => [t, 'yaml'] as const),
  fc.integer({ min: 100, max: 5_000 }).map((d) => ['['.repeat(d) + ']'.repeat(d), 'yaml'] as const),
  fc.integer({ min: 100, max: 5_000 }).map((d) => ['{"a":'.repeat(d) + '1' + '}'.repeat(d), 'json'] as const),
  fc.integer({ min: 50, max: 2_000 }).map((d) => [Array.from({ length: d }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1', 'yaml'] as const),
  fc.integer({ min: 2, max: 30 }).map((n) => [`a: &a [x, x]\n` + Array.from({ length: n }, (_, i) => `b${i}: &b${i} [*${i ? `b${i - 1}` : 'a'}, *${i ? `b${i - 1}` : 'a'}]`).join('\n'), 'yaml'] as const),
);

/** What the coordinator does with spec text before touching the database. */
function localPlan(text: string, format: 'json' | 'yaml' | ''): { ok: true; name: string } | { ok: false; message: string } {
  try {
    const plan = planSweep(parseSpecText(text, format || undefined));
    return { ok: true, name: plan.spec.name };
  } catch (err) {
    assert.equal((err as Error).name, 'SweepSpecError', `not a SweepSpecError: ${(err as Error).stack}`);
    assert.match((err as Error).message, /^invalid sweep spec/);
    return { ok: false, message: (err as Error).message };
  }
}

describe('fuzzing sweep specs', () => {
  it('parseSweepSpec and the plan accept a spec or throw SweepSpecError, nothing else', () => {
    fc.assert(
      fc.property(cases, ([text, format]) => {
        try {
          parseSweepSpec(text, format || undefined);
        } catch (err) {
          assert.equal((err as Error).name, 'SweepSpecError', `parseSweepSpec threw ${(err as Error).stack}`);
        }
        localPlan(text, format);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  describe('through the real CreateSweep', () => {
    let s: Stack;
    before(async () => {
      s = await startStack();
    });
    after(async () => s?.close());

    it('accepts exactly the valid specs; refuses the rest with INVALID_ARGUMENT and writes nothing', async () => {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(cases, async ([text, format]) => {
          const local = localPlan(text, format);
          const before = await dbState(s.conn.db);
          const r = await unary(s.admin, s.admin.createSweep as any, { specText: text, format, extend: false }, s.md, 20_000).then(
            () => ({ code: status.OK, details: '' }),
            (e: ServiceError) => ({ code: e.code, details: e.details }),
          );
          seen.set(status[r.code], (seen.get(status[r.code]) ?? 0) + 1);
          if (local.ok) {
            const exists = before.sweeps > 0 && (await s.conn.db.selectFrom('sweeps').select('id').where('name', '=', local.name).executeTakeFirst()) !== undefined;
            const allowed = exists ? [status.OK, status.ALREADY_EXISTS] : [status.OK];
            assert.ok(allowed.includes(r.code), `a valid spec was answered ${status[r.code]}: ${r.details}`);
          } else {
            assert.equal(r.code, status.INVALID_ARGUMENT, `an invalid spec was answered ${status[r.code]}: ${r.details}`);
            assert.ok(r.details.length > 0);
          }
          if (r.code !== status.OK) assert.deepEqual(await dbState(s.conn.db), before, 'a refused CreateSweep wrote something');
        }),
        { numRuns: RUNS * 2 },
      );
      const listed = await unary<any, { sweeps: unknown[] }>(s.admin, s.admin.listSweeps, {}, s.md);
      assert.ok(Array.isArray(listed.sweeps), 'the coordinator still serves');
      console.log(`fuzz spec via gRPC: ${[...seen].map(([k, v]) => `${k}:${v}`).join(' ')}`);
    });
  });
});
