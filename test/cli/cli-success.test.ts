/**
 * The CLI's success paths, as a user runs them (real `equiscale` processes, a real coordinator, a fresh Postgres
 * database): `sweep launch`, `sweep status` (table and --json), `results --format csv|table|json`,
 * `fit --sweep` (table and --json) and `plot --sweep`. Exit codes and content are checked.
 *
 * The trials are completed through the worker's gRPC API with test losses drawn from a planted law
 * L = E + A/N^α + B/D^β (N = parameters, D = samples seen = steps × batch), so `fit` has a known answer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClaimTrialRequest, ClaimTrialResponse } from '@equiscale/contract';
import { unary } from '@equiscale/contract';
import { startStack, tinySpec, type Stack } from '../sweeps/helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'apps/cli/bin/equiscale.mjs');
const LAW = { E: 0.5, A: 40, alpha: 0.5, B: 30, beta: 0.4 };
const planted = (n: number, d: number) => LAW.E + LAW.A / n ** LAW.alpha + LAW.B / d ** LAW.beta;

const SPEC = tinySpec({
  name: 'cli-ok',
  families: ['transformer', 'transformer+augment'],
  modelSizes: [
    { label: 'xs', dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 2 } } },
    { label: 's', dims: { transformer: { width: 16, depth: 1, heads: 1, mlpRatio: 2 } } },
    { label: 'm', dims: { transformer: { width: 32, depth: 2, heads: 2, mlpRatio: 2 } } },
  ],
  steps: [4, 16, 64],
  seeds: [0],
});
const N_TRIALS = 2 * 3 * 3;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, EQUISCALE_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const ok = (r: Ran, what: string) => assert.equal(r.code, 0, `${what} exits 0:\n${r.stderr.slice(-2000)}`);

describe('equiscale CLI success paths', () => {
  let s: Stack;
  let dir: string;
  const losses = new Map<number, number>(); // trial id → test loss reported
  let db: Record<string, string>;
  before(async () => {
    s = await startStack();
    dir = mkdtempSync(join(tmpdir(), 'equiscale-cli-ok-'));
    db = { DATABASE_URL: s.conn.url };
  });
  after(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sweep launch, then the trials are completed through the worker API', async () => {
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(SPEC));
    const r = await cli(['sweep', 'launch', join(dir, 'spec.json'), '--coordinator', s.coordinator.address]);
    ok(r, 'sweep launch');
    assert.match(r.stdout + r.stderr, new RegExp(`${N_TRIALS} trials`));
    for (;;) {
      const c = await unary<ClaimTrialRequest, ClaimTrialResponse>(s.worker, s.worker.claimTrial, { workerId: 'cli-test', maxParamCount: 0 }, s.md);
      if (!c.trial) break;
      const t = c.trial.trial!;
      const cell = { paramCount: t.plan!.paramCount, steps: t.steps, batchSize: t.training!.batchSize };
      assert.ok(cell.paramCount > 0 && cell.steps > 0 && cell.batchSize > 0, 'the cell names its size');
      const loss = planted(cell.paramCount, cell.steps * cell.batchSize);
      losses.set(c.trial.trialId, loss);
      await unary(s.worker, s.worker.reportMetrics, {
        trialId: c.trial.trialId,
        leaseToken: c.trial.leaseToken,
        points: Array.from({ length: cell.steps }, (_, i) => ({ step: i + 1, split: 'val', loss: loss + 1 / (i + 1), samplesSeen: (i + 1) * cell.batchSize, wallTimeS: i * 0.01 })),
      }, s.md);
      await unary(s.worker, s.worker.completeTrial, {
        trialId: c.trial.trialId, leaseToken: c.trial.leaseToken, outcome: 'completed', steps: cell.steps,
        trainLoss: loss * 1.1, valLoss: loss * 1.05, testLoss: loss, backend: 'cpu', wallTimeS: 0.1, error: '', paramCount: cell.paramCount, executedFlops: 1,
      }, s.md);
    }
    assert.equal(losses.size, N_TRIALS);
  });

  it('sweep status: the table and --json say every trial is completed', async () => {
    const table = await cli(['sweep', 'status', 'cli-ok', '--trials', '--coordinator', s.coordinator.address]);
    ok(table, 'sweep status');
    assert.match(table.stdout, new RegExp(`sweep cli-ok \\(#\\d+\\) — completed, ${N_TRIALS}/${N_TRIALS} trials finished`));
    assert.equal(table.stdout.split('\n').filter((l) => /\bcompleted\b/.test(l) && /\/\d+/.test(l) && l.includes('transformer')).length, N_TRIALS, 'one line per trial');
    const json = await cli(['sweep', 'status', 'cli-ok', '--json', '--coordinator', s.coordinator.address]);
    ok(json, 'sweep status --json');
    const parsed = JSON.parse(json.stdout) as { sweep: { name: string; status: string }; trials: unknown[] };
    assert.deepEqual([parsed.sweep.name, parsed.sweep.status], ['cli-ok', 'completed']);
    assert.ok(JSON.stringify(parsed.sweep).includes(`${N_TRIALS}`));
  });

  it('results --format csv holds every trial with the losses reported; table and json agree', async () => {
    const csv = await cli(['results', 'cli-ok', '--format', 'csv'], db);
    ok(csv, 'results --format csv');
    const [header, ...lines] = csv.stdout.trim().split('\n');
    const cols = header!.split(',');
    assert.ok(['trial_id', 'family', 'param_count', 'steps', 'status', 'test_loss'].every((c) => cols.includes(c)), header);
    assert.equal(lines.length, N_TRIALS);
    const at = (line: string, c: string) => line.split(',')[cols.indexOf(c)]!;
    for (const l of lines) {
      assert.equal(at(l, 'status'), 'completed');
      assert.equal(Number(at(l, 'test_loss')), losses.get(Number(at(l, 'trial_id'))), 'the test loss as reported, to the last bit');
    }
    assert.deepEqual(new Set(lines.map((l) => at(l, 'family'))), new Set(['transformer', 'transformer+augment']));

    const table = await cli(['results', 'cli-ok', '--format', 'table'], db);
    ok(table, 'results --format table');
    const rows = table.stdout.split('\n').filter((l) => /\bcompleted\b/.test(l));
    assert.equal(rows.length, N_TRIALS, 'one table row per trial');
    assert.match(table.stdout.split('\n')[0]!, /id\s+family\s+size/);

    const json = await cli(['results', 'cli-ok', '--format', 'json'], db);
    ok(json, 'results --format json');
    const parsed = JSON.parse(json.stdout) as { trial_id: number; test_loss: number }[];
    assert.deepEqual(new Map(parsed.map((p) => [p.trial_id, p.test_loss])), losses);
  });

  it('fit --sweep recovers the planted exponents per family; the table names both families', async () => {
    const json = await cli(['fit', '--sweep', 'cli-ok', '--json'], db);
    ok(json, 'fit --sweep --json');
    const fits = JSON.parse(json.stdout) as { family: string; runs: number; alpha: number; beta: number; E: number }[];
    assert.deepEqual(fits.map((f) => f.family).sort(), ['transformer', 'transformer+augment']);
    for (const f of fits) {
      assert.equal(f.runs, N_TRIALS / 2);
      assert.ok(Math.abs(f.alpha - LAW.alpha) < 0.05, `${f.family}: alpha ${f.alpha} ≈ ${LAW.alpha}`);
      assert.ok(Math.abs(f.beta - LAW.beta) < 0.05, `${f.family}: beta ${f.beta} ≈ ${LAW.beta}`);
      assert.ok(Math.abs(f.E - LAW.E) < 0.05, `${f.family}: E ${f.E} ≈ ${LAW.E}`);
    }
    const table = await cli(['fit', '--sweep', 'cli-ok'], db);
    ok(table, 'fit --sweep');
    assert.match(table.stdout, /transformer\+augment/);
    assert.match(table.stdout, /0\.5/, 'the fitted alpha is printed');
  });

  it('plot --sweep writes the figures and the report', async () => {
    const out = join(dir, 'plots');
    const r = await cli(['plot', '--sweep', 'cli-ok', '--out', out, '--bootstrap', '20'], db);
    ok(r, 'plot --sweep');
    const m = /wrote (\d+) figures and (\S+)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) >= 3, `${m[1]} figures`);
    assert.ok(existsSync(m[2]!), 'report.html exists');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /transformer\+augment/);
    for (const fig of ['loss-vs-compute', 'learning-curves']) {
      assert.match(readFileSync(join(out, `${fig}.svg`), 'utf8'), /<svg/);
      assert.deepEqual(readFileSync(join(out, `${fig}.png`)).subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    }
  });
});
