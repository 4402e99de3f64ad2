import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSlurmTime, renderSlurmScript, type SlurmScriptOptions } from './index.js';

const base: SlurmScriptOptions = { coordinator: '127.0.0.1:50051', workers: 4, command: 'node /opt/equiscale/apps/cli/bin/equiscale.mjs' };
const sbatchLines = (s: string) => s.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));

const dir = mkdtempSync(join(tmpdir(), 'equiscale-slurm-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the script with bash as SLURM would (array-task variables set), with `command` replaced by a node probe
 * that prints its pid, argv and the token it sees.
 */
async function runScript(o: Partial<SlurmScriptOptions>, env: Record<string, string>) {
  const probe = join(dir, 'probe.cjs');
  writeFileSync(probe, 'console.log(JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), token: process.env.EQUISCALE_TOKEN ?? null }));\n');
  const script = join(dir, 'job.sh');
  writeFileSync(script, renderSlurmScript({ ...base, ...o, command: `${process.execPath} ${probe}` }));
  const child = spawn('bash', [script], {
    env: { PATH: process.env.PATH ?? '', SLURM_ARRAY_JOB_ID: '41', SLURM_ARRAY_TASK_ID: '3', SLURM_JOB_ID: '45', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, err, bashPid: child.pid, probe: code === 0 ? (JSON.parse(out) as { pid: number; argv: string[]; token: string | null }) : null };
}

describe('slurm job-array script', () => {
  it('is a valid bash script with one array task per worker and the requeue-safe sbatch options', () => {
    const s = renderSlurmScript(base);
    assert.ok(s.startsWith('#!/bin/bash\n'));
    const syntax = spawnSync('bash', ['-n'], { input: s, encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    const sb = sbatchLines(s);
    assert.ok(sb.includes('--array=0-3'), sb.join(' '));
    assert.ok(sb.includes('--ntasks=1'));
    assert.ok(sb.includes('--cpus-per-task=1'));
    assert.ok(sb.includes('--open-mode=append'), 'a requeued task appends to its log');
    assert.ok(sb.includes('--signal=B:TERM@120'), 'SIGTERM to the batch step (the exec-ed worker) before the limit');
    assert.ok(sb.includes('--export=ALL'));
    assert.ok(!sb.includes('--requeue'));
    assert.ok(!sb.some((l) => l.startsWith('--partition') || l.startsWith('--time') || l.startsWith('--gpus')));
    const exec = s.split('\n').filter((l) => /^exec /.test(l));
    assert.equal(exec.length, 1);
    assert.match(exec[0]!, /^exec node \/opt\/equiscale\/apps\/cli\/bin\/equiscale\.mjs worker --coordinator 127\.0\.0\.1:50051 /);
    assert.doesNotMatch(exec[0]!, /--token/, 'the token is never on the command line');
    // every #SBATCH line comes before the first command: sbatch stops reading directives there
    const lines = s.split('\n');
    const lastDirective = lines.map((l) => l.startsWith('#SBATCH ')).lastIndexOf(true);
    const firstCommand = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.ok(lastDirective < firstCommand);
  });

  it('passes partition, time, GPUs, CPUs, requeue, concurrency and signal lead through', () => {
    const sb = sbatchLines(
      renderSlurmScript({ ...base, workers: 10, partition: 'gpu,cpu', time: '1-02:00:00', gpusPerTask: 2, cpusPerTask: 8, requeue: true, maxConcurrent: 3, signalLead: 300 }),
    );
    for (const want of ['--array=0-9%3', '--partition=gpu,cpu', '--time=1-02:00:00', '--gpus-per-task=2', '--cpus-per-task=8', '--requeue', '--signal=B:TERM@300', '--open-mode=append']) {
      assert.ok(sb.includes(want), `${want} in ${sb.join(' ')}`);
    }
  });

  it('execs the worker (same pid as the batch shell) with a per-task worker id, and the token only through the environment', async () => {
    const r = await runScript({}, { EQUISCALE_TOKEN: 's3cret-from-env', SLURM_RESTART_COUNT: '2' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.probe!.pid, r.bashPid, 'exec: the worker replaced the batch shell, so SLURM signals reach it');
    assert.equal(r.probe!.token, 's3cret-from-env');
    assert.ok(!r.probe!.argv.some((a) => a.includes('s3cret')), 'not on the command line');
    assert.deepEqual(r.probe!.argv.slice(0, 5), ['worker', '--coordinator', '127.0.0.1:50051', '--worker-id', 'slurm-41_3.2']);
    assert.match(r.err, /array task 41_3 \(job 45, restart 2\)/);
  });

  it('with --token-file reads the token from the file when the task starts, and fails clearly when it cannot', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'from-the-file\n');
    chmodSync(tokenFile, 0o600);
    const s = renderSlurmScript({ ...base, tokenFile });
    assert.ok(!s.includes('from-the-file'));
    const r = await runScript({ tokenFile }, { EQUISCALE_TOKEN: 'stale-env-value' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.probe!.token, 'from-the-file', 'the file wins over the environment');
    assert.ok(!r.probe!.argv.some((a) => a.includes('from-the-file')));
    const missing = await runScript({ tokenFile: join(dir, 'nope') }, {});
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read the token file/);
    writeFileSync(join(dir, 'empty'), '');
    const empty = await runScript({ tokenFile: join(dir, 'empty') }, {});
    assert.equal(empty.code, 1);
    assert.match(empty.err, /is empty/);
  });

  it('warns (and still starts) without a token', async () => {
    const r = await runScript({}, {});
    assert.equal(r.code, 0, r.err);
    assert.equal(r.probe!.token, null);
    assert.match(r.err, /EQUISCALE_TOKEN is not set/);
  });

  it('refuses bad options with one line naming the flag and the fix', () => {
    const cases: [Partial<SlurmScriptOptions>, RegExp][] = [
      [{ coordinator: '127.0.0.1' }, /^--coordinator must be HOST:PORT/],
      [{ workers: 0 }, /^--workers must/],
      [{ workers: 2.5 }, /^--workers must/],
      [{ partition: 'a b' }, /^--partition must/],
      [{ time: '90 minutes' }, /^--time must be a SLURM time limit/],
      [{ time: '0' }, /^--time must/],
      [{ time: '2', signalLead: 120 }, /^--signal-lead \(120 s\) must be shorter than --time \(120 s\)/],
      [{ gpusPerTask: 0 }, /^--gpus-per-task must/],
      [{ cpusPerTask: -1 }, /^--cpus-per-task must/],
      [{ maxConcurrent: 5 }, /^--max-concurrent must be a whole number from 1 to 4/],
      [{ output: 'my logs/%a.out' }, /^--output must/],
      [{ tokenFile: '$(rm -rf ~)' }, /^--token-file must/],
      [{ command: 'node x\nrm -rf /' }, /^--command must be one line/],
    ];
    for (const [over, msg] of cases) {
      assert.throws(() => renderSlurmScript({ ...base, ...over }), (e: Error) => {
        assert.equal(e.name, 'ClusterOptionError');
        assert.match(e.message, msg);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      }, JSON.stringify(over));
    }
  });

  it("parses SLURM's time formats", () => {
    const cases: [string, number][] = [
      ['30', 1800],
      ['30:15', 1815],
      ['2:00:00', 7200],
      ['1-0', 86400],
      ['1-2', 93600],
      ['1-2:30', 95400],
      ['1-2:30:05', 95405],
    ];
    for (const [t, s] of cases) assert.equal(parseSlurmTime('--time', t), s, t);
  });
});
