/**
 * The second benchmark end to end, as a user runs it: `equiscale demo --benchmark weight-space --quick` on the
 * embedded database with real worker processes. The first run is stopped after a few trials (workers checkpoint
 * and hand their trials back mid-training); the second resumes and finishes the study: every trial completed, a
 * report (Markdown, HTML, JSON) that names the benchmark, its baseline and scorecard, and the figures.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const BIN = join(root, 'node_modules/.bin/equiscale');
const work = mkdtempSync(join(tmpdir(), 'equiscale-demo-ws-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(BIN, args, { cwd: work, encoding: 'utf8', timeout: 300_000, env: { ...process.env, DATABASE_URL: '' } });
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('equiscale demo --benchmark weight-space', () => {
  it('refuses an unknown benchmark in one line naming the flag', () => {
    const r = run(['demo', '--benchmark', 'weightspace', '--quick', '--state-dir', 'state-x']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--benchmark must be one of rigid-body, weight-space \(got "weightspace"\)/);
  });

  it('--quick runs the three families (stopped once, resumed) and writes the report and figures', () => {
    const args = ['demo', '--benchmark', 'weight-space', '--quick', '--state-dir', 'state', '--out', 'out', '--workers', '2'];
    const t0 = Date.now();
    const first = run([...args, '--stop-after-trials', '4']);
    assert.equal(first.status, 130, first.stderr.slice(-3000));
    assert.match(first.stderr, /weight-space data: 512 \+ 128 \+ 128 INRs fitted/);
    const r = run(args);
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /already done — resuming/);
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(seconds < 240, `the quick weight-space demo took ${seconds.toFixed(0)} s`);

    const res = run(['results', 'demo-ws-quick', '--data-dir', join('state', 'db-ws-quick'), '--format', 'json']);
    assert.equal(res.status, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as { family: string; model_family: string; status: string; test_loss: number | null }[];
    assert.equal(rows.length, 27);
    assert.ok(rows.every((x) => x.status === 'completed' && x.test_loss! > 0), JSON.stringify(rows.filter((x) => x.status !== 'completed')));
    assert.deepEqual([...new Set(rows.map((x) => `${x.family}:${x.model_family}`))].sort(), ['dwsnet:dwsnet', 'mlp+permute:mlp', 'mlp:mlp']);

    const out = join(work, 'out');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /Benchmark: \*\*weight-space\*\*/);
    for (const f of ['mlp', 'mlp\\+permute', 'dwsnet']) assert.match(md, new RegExp(`\\| ${f} \\| 9 \\| 9 \\|`), `all ${f} trials completed`);
    assert.match(md, /predicting the training mean of every target gives loss \d/);
    assert.match(md, /## Scorecard: the seed paper’s claims/);
    assert.match(md, /## Families at matched compute/);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { benchmark: string; trials: number; finishedRuns: number; scorecard?: unknown[]; baselines: { predictMean?: number } };
    assert.equal(json.benchmark, 'weight-space');
    assert.equal(json.trials, 27);
    assert.equal(json.finishedRuns, 27);
    assert.equal(json.scorecard?.length, 4);
    assert.ok(json.baselines.predictMean! > 0);
    for (const fig of ['loss-vs-compute', 'loss-vs-data', 'learning-curves']) {
      const png = readFileSync(join(out, `${fig}.png`));
      assert.deepEqual(png.subarray(0, 8), PNG, `${fig}.png is a PNG`);
      assert.ok(png.length > 5000, `${fig}.png is not trivial`);
      assert.match(readFileSync(join(out, `${fig}.svg`), 'utf8'), /<svg/);
    }
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /src="data:image\/png;base64,/);
  });
});
