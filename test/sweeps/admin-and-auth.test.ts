/**
 * (5) Malformed specs are refused over gRPC with INVALID_ARGUMENT naming the field, and write nothing; calls
 * without the right token are refused UNAUTHENTICATED on both services and write nothing. Also the admin
 * calls around a sweep: idempotent launch, --extend, status with counts, trial listing, cancel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { callMetadata, unary, type CreateSweepResponse, type GetSweepResponse, type ListTrialsResponse } from '@equiscale/contract';
import { sql } from 'kysely';
import { createLogger } from '@equiscale/coordinator';
import { grpcError, startStack, tinySpec, type Stack } from './helpers.js';

const TOKEN = 'e2e-secret-token';

function without(key: string): Record<string, unknown> {
  const s = tinySpec();
  delete s[key];
  return s;
}

describe('admin API: spec validation, auth, sweep lifecycle', () => {
  let s: Stack;
  const logLines: string[] = [];
  before(async () => {
    s = await startStack({ token: TOKEN, logger: createLogger({ level: 'debug', write: (l) => logLines.push(l) }) });
  });
  after(async () => s?.close());

  const create = (specText: string, md: Metadata = s.md, extend = false, format = '') =>
    unary<any, CreateSweepResponse>(s.admin, s.admin.createSweep, { specText, format, extend }, md);
  const rows = async () =>
    (
      await sql<{ sweeps: number; trials: number; workers: number }>`
        select (select count(*) from sweeps)::int as sweeps, (select count(*) from trials)::int as trials,
               (select count(*) from workers)::int as workers`.execute(s.conn.db)
    ).rows[0]!;

  it('refuses malformed specs with the field named and writes nothing', async () => {
    const table: [string, string, RegExp][] = [
      ['missing families', JSON.stringify(without('families')), /families: missing/],
      ['missing seeds', JSON.stringify(without('seeds')), /seeds: missing/],
      ['steps of the wrong type', JSON.stringify(tinySpec({ steps: 'many' })), /steps: expected a list/],
      ['batch size of the wrong type', JSON.stringify(tinySpec({ training: { batchSize: 'big' } })), /training\.batchSize: expected/],
      ['negative training-set size', JSON.stringify(tinySpec({ trainSizes: [-16] })), /trainSizes\[0\]: expected .*positive integer.*-16/],
      ['negative step count', JSON.stringify(tinySpec({ steps: [-5] })), /steps\[0\]: expected/],
      [
        'zero model width',
        JSON.stringify(tinySpec({ modelSizes: [{ label: 'xs', dims: { transformer: { width: 0, depth: 1, heads: 1, mlpRatio: 2 } } }] })),
        /modelSizes\[0\]\.dims\.transformer\.width/,
      ],
      ['empty seeds axis', JSON.stringify(tinySpec({ seeds: [] })), /seeds: empty/],
      ['empty steps axis', JSON.stringify(tinySpec({ steps: [] })), /steps: empty/],
      ['unknown family', JSON.stringify(tinySpec({ families: ['transformer', 'mlpp'] })), /families\[1\]: unknown family "mlpp"/],
      ['family of another benchmark', JSON.stringify(tinySpec({ families: ['transformer', 'mlp'] })), /families\[1\]: mlp is not a rigid-body family; use one of transformer/],
      ['bad benchmark kind', JSON.stringify(tinySpec({ benchmark: { kind: 'weightspace' } })), /benchmark\.kind: expected one of rigid-body, weight-space, got "weightspace"/],
      ['bad benchmark field', JSON.stringify(tinySpec({ benchmark: { valExamples: -1 } })), /benchmark\.valExamples/],
      ['YAML syntax error', 'name: [unclosed', /YAML syntax error at line 1/],
      ['JSON syntax error', '{"name": ', /JSON syntax error/],
    ];
    for (const [name, text, field] of table) {
      await assert.rejects(create(text), grpcError(status.INVALID_ARGUMENT, field), name);
    }
    await assert.rejects(create(''), grpcError(status.INVALID_ARGUMENT, /^spec_text: /), 'empty spec text');
    await assert.rejects(create('{}', s.md, false, 'toml'), grpcError(status.INVALID_ARGUMENT, /^format: .*yaml, json/), 'unknown format');
    assert.deepEqual(await rows(), { sweeps: 0, trials: 0, workers: 0 });
  });

  it('refuses calls without the right token on both services, writing nothing', async () => {
    const spec = JSON.stringify(tinySpec({ name: 'auth' }));
    const none = new Metadata();
    const wrong = callMetadata({ token: 'not-the-token' });
    const malformed = new Metadata();
    malformed.set('authorization', TOKEN); // no "Bearer "
    for (const [name, md] of [['missing', none], ['wrong', wrong], ['not bearer', malformed]] as const) {
      await assert.rejects(create(spec, md), grpcError(status.UNAUTHENTICATED), `CreateSweep, ${name} token`);
      await assert.rejects(
        unary(s.admin, s.admin.listSweeps, {}, md),
        grpcError(status.UNAUTHENTICATED),
        `ListSweeps, ${name} token`,
      );
      await assert.rejects(
        unary(s.worker, s.worker.register, { workerId: 'intruder', host: 'h', backend: 'cpu', capabilities: {}, pid: 1, maxParamCount: 0 }, md),
        grpcError(status.UNAUTHENTICATED),
        `Register, ${name} token`,
      );
      await assert.rejects(
        unary(s.worker, s.worker.claimTrial, { workerId: 'intruder', maxParamCount: 0 }, md),
        grpcError(status.UNAUTHENTICATED),
        `ClaimTrial, ${name} token`,
      );
    }
    assert.deepEqual(await rows(), { sweeps: 0, trials: 0, workers: 0 });
  });

  it('launches idempotently, extends only by added cells, reports counts, lists and cancels', async () => {
    const spec = tinySpec({ name: 'life', seeds: [0] });
    const first = await create(JSON.stringify(spec));
    assert.deepEqual([first.created, first.trialCount, first.addedTrials, first.name], [true, 2, 2, 'life']);
    const again = await create(JSON.stringify(spec));
    assert.deepEqual([again.created, again.trialCount, again.addedTrials, again.sweepId], [false, 2, 0, first.sweepId]);

    const more = JSON.stringify(tinySpec({ name: 'life', seeds: [0, 1] }));
    await assert.rejects(create(more), grpcError(status.ALREADY_EXISTS, /--extend/), 'a changed spec needs --extend');
    const ext = await create(more, s.md, true);
    assert.deepEqual([ext.created, ext.trialCount, ext.addedTrials], [true, 4, 2]);
    const changed = JSON.stringify(tinySpec({ name: 'life', seeds: [0, 1], steps: [7] }));
    await assert.rejects(create(changed, s.md, true), grpcError(status.ALREADY_EXISTS, /cells/), 'extend refuses changed cells');
    assert.equal((await rows()).trials, 4);

    const got = await unary<any, GetSweepResponse>(s.admin, s.admin.getSweep, { name: 'life' }, s.md);
    assert.equal(got.sweep!.counts!.pending, 4);
    assert.equal(got.sweep!.status, 'active');
    await assert.rejects(unary(s.admin, s.admin.getSweep, { name: 'nope' }, s.md), grpcError(status.NOT_FOUND, /no sweep named "nope"/));
    const listed = await unary<any, ListTrialsResponse>(s.admin, s.admin.listTrials, { sweepName: 'life', status: '', limit: 3, afterTrialId: 0 }, s.md);
    assert.equal(listed.trials.length, 3);
    const rest = await unary<any, ListTrialsResponse>(
      s.admin,
      s.admin.listTrials,
      { sweepName: 'life', status: '', limit: 0, afterTrialId: listed.trials[2]!.trialId },
      s.md,
    );
    assert.equal(rest.trials.length, 1);
    await assert.rejects(
      unary(s.admin, s.admin.listTrials, { sweepName: 'life', status: 'done', limit: 0, afterTrialId: 0 }, s.md),
      grpcError(status.INVALID_ARGUMENT, /^status: /),
    );
    const cancelled = await unary<any, { cancelledTrials: number }>(s.admin, s.admin.cancelSweep, { name: 'life' }, s.md);
    assert.equal(cancelled.cancelledTrials, 4);
    const after = await unary<any, GetSweepResponse>(s.admin, s.admin.getSweep, { name: 'life' }, s.md);
    assert.deepEqual([after.sweep!.status, after.sweep!.counts!.cancelled], ['cancelled', 4]);
  });

  it('logs one JSON object per line and never the token', () => {
    assert.ok(logLines.length > 10, 'calls were logged');
    for (const l of logLines) {
      const o = JSON.parse(l) as Record<string, unknown>;
      assert.ok(typeof o.ts === 'string' && typeof o.level === 'string' && typeof o.msg === 'string');
    }
    const all = logLines.join('');
    assert.ok(!all.includes(TOKEN), 'the shared token never reaches the log');
    assert.ok(!all.includes('not-the-token'), 'nor a wrong token a client sent');
    assert.ok(all.includes('"code":"UNAUTHENTICATED"'), 'refusals are logged with their code');
  });
});
