/**
 * The main job end to end, as a user runs it: `equiscale demo --quick` on the embedded database, then an
 * interrupted demo (Ctrl-C) that a second run resumes without redoing finished trials.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const BIN = join(root, 'node_modules/.bin/equiscale');
const work = mkdtempSync(join(tmpdir(), 'equiscale-demo-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(BIN, args, { cwd: work, encoding: 'utf8', timeout: 300_000, env: { ...process.env, DATABASE_URL: '' } });
}

interface Row {
  trial_id: number;
  cell_key: string;
  role: string;
  parent: number | null;
  branchStep: number | null;
  status: string;
  attempt: number;
  test_loss: number | null;
  wall_time_s: number | null;
}

function results(stateDir: string): Row[] {
  const r = run(['results', 'demo-quick', '--data-dir', join(stateDir, 'db-quick'), '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Row[];
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('equiscale demo', () => {
  it('--quick runs a whole study and writes the report and figures', () => {
    const r = run(['demo', '--quick', '--state-dir', 'state-a', '--out', 'out-a', '--workers', '2']);
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /expected about \d+ min/, 'tells the expected time up front');
    // the kernels the workers trained with: OpenBLAS when libopenblas0 is installed (.ci/run installs it)
    const blas = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout.includes('libopenblas.so.0');
    const chosen = process.env.EQUISCALE_BACKEND || process.env.EQUISCALE_KERNELS;
    const trainedOn = chosen ? /trained on: \S+/ : blas ? /trained on: wasm\+openblas(?![\w+])/ : /trained on: wasm(?![\w+])/;
    assert.match(r.stderr, trainedOn, 'prints the backend and kernels it trained on');
    const out = join(work, 'out-a');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /## What the data shows/);
    assert.match(md, /\| gatr \| 12 \| 12 \|/, 'all GATr trials completed (3 WSD trunks, 9 branches)');
    assert.match(md, /\| transformer\+augment \| 12 \| 12 \|/);
    for (const fig of ['loss-vs-compute', 'loss-vs-data', 'isoflop', 'learning-curves']) {
      const png = readFileSync(join(out, `${fig}.png`));
      assert.deepEqual(png.subarray(0, 8), PNG, `${fig}.png is a PNG`);
      assert.ok(png.length > 5000, `${fig}.png is not trivial`);
      assert.match(readFileSync(join(out, `${fig}.svg`), 'utf8'), /<svg/);
    }
    // report.json: the scorecard of the seed study's three claims, each with a verdict
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { claims: { id: number; paper: string; measured: string; verdict: string }[]; fits: { family: string; status: string }[]; flopConvention: string; design: unknown };
    assert.deepEqual(json.claims.map((c) => c.id), [1, 2, 3], 'three claims');
    for (const c of json.claims) {
      assert.ok(['agrees', 'disagrees', 'too weak to tell'].includes(c.verdict), `claim ${c.id}: verdict ${c.verdict}`);
      assert.ok(c.paper.length > 0 && c.measured.length > 0, `claim ${c.id} says what the paper claims and what was measured`);
    }
    assert.deepEqual(json.fits.map((f) => f.family).sort(), ['gatr', 'transformer', 'transformer+augment']);
    assert.ok(json.flopConvention && json.design, 'FLOP convention and sweep design');
    assert.match(md, /### Claim 1: \*\*(agrees|disagrees|too weak to tell)\*\*/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /src="data:image\/png;base64,/, 'the HTML page embeds its figures');
    assert.match(r.stderr, new RegExp(`report: ${join(out, 'report.html').replace(/[.+]/g, '\\$&')}`), 'prints the report path');
    const rows = results(join(work, 'state-a'));
    assert.equal(rows.length, 36);
    assert.ok(rows.every((x) => x.status === 'completed' && x.attempt === 1 && x.test_loss! > 0));
    // the quick study is a WSD sweep: every branch names its trunk's trial id and the step it starts from
    const ids = new Map(rows.map((x) => [x.trial_id, x]));
    const branches = rows.filter((x) => x.role === 'branch');
    assert.equal(branches.length, 27);
    for (const b of branches) {
      assert.equal(ids.get(b.parent!)?.role, 'trunk', `${b.cell_key}: parent ${b.parent} is a trunk`);
      assert.ok(b.branchStep! > 0);
    }
    assert.ok(rows.filter((x) => x.role === 'trunk').every((x) => x.parent === null && x.branchStep === null));

    // Re-running a finished study does no training and rewrites the report.
    const again = run(['demo', '--quick', '--state-dir', 'state-a', '--out', 'out-a']);
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    assert.match(again.stderr, /already finished/);
    assert.deepEqual(results(join(work, 'state-a')), rows);
  });

  it('Ctrl-C leaves a consistent database and the next run resumes without redoing finished trials', async () => {
    const child = spawn(BIN, ['demo', '--quick', '--state-dir', 'state-b', '--out', 'out-b', '--workers', '2', '--quiet'], {
      cwd: work,
      env: { ...process.env, DATABASE_URL: '' },
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = [...stderr.matchAll(/trials (\d+)\/36 done/g)].pop();
      if (!sent && m && Number(m[1]) >= 6) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    assert.ok(sent, `the demo made progress before the interrupt:\n${stderr.slice(-2000)}`);
    assert.equal(code, 130, stderr.slice(-2000));
    assert.match(stderr, /Run the same command again to resume/);
    assert.ok(!existsSync(join(work, 'out-b', 'report.md')), 'no report for an unfinished study');

    const before = results(join(work, 'state-b'));
    const finished = before.filter((x) => x.status === 'completed');
    assert.ok(finished.length >= 6 && finished.length < 36, `${finished.length} trials finished before the interrupt`);
    assert.ok(before.every((x) => x.status === 'completed' || x.status === 'pending'), 'no trial left running or failed');

    const r = run(['demo', '--quick', '--state-dir', 'state-b', '--out', 'out-b', '--workers', '2']);
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /already done — resuming/);
    const rows = results(join(work, 'state-b'));
    assert.equal(rows.filter((x) => x.status === 'completed').length, 36);
    for (const f of finished) {
      assert.deepEqual(rows.find((x) => x.trial_id === f.trial_id), f, `finished trial ${f.trial_id} was not redone`);
    }
    assert.ok(statSync(join(work, 'out-b', 'report.html')).size > 10_000);
  });
});
