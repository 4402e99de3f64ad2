/**
 * Fuzzing the CSV input of `equiscale fit`: random bytes, missing and renamed columns, NaN/Infinity/negative/
 * empty/huge values, quoting accidents, a BOM, and a large file.
 *   - parseRunsCsv returns runs whose n, d, loss (and c) are positive finite numbers, or throws an Error whose
 *     message names the problem (never a TypeError or RangeError from inside the parser).
 *   - The real CLI (`equiscale fit --csv FILE`) on a handful of such files: exit 0 with a result, or exit 2
 *     with ONE line on stderr starting "equiscale:", never a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRunsCsv } from '@equiscale/scaling';
import { ROOT } from '../sweeps/helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const cell = fc.oneof(
  { arbitrary: fc.double({ min: 1e-6, max: 1e12, noNaN: true }).map(String), weight: 4 },
  fc.constantFrom('', ' ', 'NaN', 'nan', 'Infinity', '-Infinity', '-1', '0', '-0', '1e400', '1e-400', 'abc', '"1"', '"1,5"', '0x10', '1_000', ' 7 ', '\t3', '"', '""', '"a\nb"'),
  fc.string({ maxLength: 8 }),
);
const headerName = fc.oneof({ arbitrary: fc.constantFrom('n', 'd', 'loss', 'family', 'c'), weight: 5 }, fc.constantFrom('N', 'loss ', '\uFEFFn', '"n"', 'Model Size', ''), fc.string({ maxLength: 5 }));
const structured = fc
  .tuple(fc.array(headerName, { minLength: 0, maxLength: 6 }), fc.array(fc.array(cell, { minLength: 0, maxLength: 7 }), { maxLength: 12 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([h, rows, eol]) => [h.join(','), ...rows.map((r) => r.join(','))].join(eol));
const wellFormed = fc
  .array(fc.tuple(cell, cell, cell, fc.constantFrom('gatr', 'transformer', '', '"a,b"')), { minLength: 0, maxLength: 10 })
  .map((rows) => ['n,d,loss,family', ...rows.map((r) => r.join(','))].join('\n'));
const bytes = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('utf8'));
const csvText = fc.oneof(structured, wellFormed, bytes, fc.string({ unit: 'binary', maxLength: 200 }));

function checkParse(text: string): void {
  let runs;
  try {
    runs = parseRunsCsv(text);
  } catch (err) {
    assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
    assert.equal(err.constructor, Error, `threw ${err.name}: ${err.message}`);
    assert.match(err.message, /CSV/, 'the message says it is about the CSV');
    return;
  }
  assert.ok(runs.length >= 1);
  for (const r of runs) {
    for (const k of ['n', 'd', 'loss'] as const) assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k} = ${r[k]}`);
    if (r.c !== undefined) assert.ok(Number.isFinite(r.c) && r.c > 0);
  }
}

describe('fuzzing the CSV input of equiscale fit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-csv-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parseRunsCsv returns valid runs or throws a clear Error', () => {
    fc.assert(fc.property(csvText, checkParse), { numRuns: RUNS * 20 });
  });

  it('parseRunsCsv copes with a large file (≈5 MB) in reasonable memory', () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => `${1e4 + i},${1e6 + i * 7},${(2 + 1 / (i + 1)).toFixed(9)},f${i % 3}`);
    const runs = parseRunsCsv(['n,d,loss,family', ...rows].join('\n'));
    assert.equal(runs.length, 150_000);
    assert.throws(() => parseRunsCsv(['n,d,loss', ...rows.slice(0, 100_000), '5,NaN,1'].join('\n')), /row 100002 .*column "d": "NaN" is not a number/);
  });

  const bin = join(ROOT, 'apps/cli/bin/equiscale.mjs');
  /** Runs `equiscale fit --csv` on the content; checks a result (exit 0) or one clear line (exit 2). */
  const fitCli = (name: string, content: string | Buffer, expect: 'ok' | 'error') => {
    const file = join(dir, name);
    writeFileSync(file, content);
    const r = spawnSync(process.execPath, [bin, 'fit', '--csv', file], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, EQUISCALE_DEBUG: '' } });
    assert.equal(r.signal, null, `${name}: the CLI finished by itself`);
    assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `${name}: no stack trace on stderr:\n${r.stderr}`);
    if (r.status === 0) {
      assert.ok(r.stdout.trim().length > 0, `${name}: a result on stdout`);
      if (expect === 'error') assert.fail(`${name}: accepted bad input:\n${r.stdout}`);
      return;
    }
    assert.equal(r.status, 2, `${name}: exit code 2 for bad input (got ${r.status}):\n${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${name}: one line on stderr:\n${r.stderr.slice(0, 300)}`);
    assert.match(lines[0]!, /^equiscale: /);
    if (expect === 'ok') console.log(`fit-csv: ${name} refused: ${lines[0]}`);
  };

  it(
    'the real CLI on random bytes: one clear line',
    () => {
      fitCli('random-bytes.csv', Buffer.from(fc.sample(fc.uint8Array({ minLength: 2000, maxLength: 2000 }), { numRuns: 1, seed: 7 })[0]!), 'error');
    },
  );

  it('the real CLI answers a result or one clear line with exit code 2, never a stack trace', () => {
    const big = ['n,d,loss', ...Array.from({ length: 40_000 }, (_, i) => `${1e4 + i},${1e6 + i},${i === 39_000 ? '-3' : '2.5'}`)].join('\n');
    const synthetic = ['n,d,loss'];
    for (const n of [1e5, 3e5, 1e6, 3e6]) for (const d of [1e6, 3e6, 1e7, 3e7]) synthetic.push(`${n},${d},${(1.7 + 400 / n ** 0.34 + 410 / d ** 0.28).toFixed(6)}`);
    const files: [string, string | Buffer, 'ok' | 'error'][] = [
      ['binary-garbage-rows.csv', Buffer.concat([Buffer.from('n,d,loss\n'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x2c, 0x31, 0x0a, 0x80, 0x2c, 0x2c])]), 'error'],
      ['missing-column.csv', 'n,loss\n1,2\n', 'error'],
      ['nan.csv', 'n,d,loss\n1e6,1e7,NaN\n', 'error'],
      ['infinity.csv', 'n,d,loss\nInfinity,1e7,2\n', 'error'],
      ['negative.csv', 'n,d,loss\n1e6,-1e7,2\n', 'error'],
      ['empty.csv', '', 'error'],
      ['big-with-bad-row.csv', big, 'error'],
      ['degenerate.csv', 'n,d,loss\n1e6,1e7,2\n1e6,1e7,2\n', 'ok'],
      ['synthetic.csv', synthetic.join('\n'), 'ok'],
    ];
    for (const [name, content, expect] of files) fitCli(name, content, expect);
    const missing = spawnSync(process.execPath, [bin, 'fit', '--csv', join(dir, 'nope.csv')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^equiscale: cannot read --csv .*ENOENT\n$/);
  });
});
