/**
 * Workers on a real SLURM cluster: a single-node slurm-wlm cluster (installed with apt when absent, see
 * slurm-cluster.ts), a real coordinator on a fresh Postgres database, a real sweep of tiny trials, and the workers
 * submitted as a job array with `equiscale slurm submit`. One array task is `scancel`-ed while it trains, and
 * another gets SIGTERM on its batch step only (what `--signal=B:TERM@lead` does before the time limit): each
 * worker (exec-ed, so it is the batch step) checkpoints and hands its trial back; other tasks resume them; the
 * sweep completes with every trial done exactly once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { CACHE_DIR, launch, ROOT, startStack, tinySpec, waitFor, warmDatasetCache, type Stack } from '../sweeps/helpers.js';
import { ensureSlurmInstalled, processesWithEnv, startSlurmCluster, type SlurmCluster } from './slurm-cluster.js';

const STEPS = 48;
const TASKS = 3;
const TRIALS = 8;
const spec = tinySpec({ name: 'on-slurm', families: ['transformer', 'transformer+augment'], seeds: [0, 1, 2, 3], steps: [STEPS], checkpointEvery: 4 });
const TOKEN = 'slurm-e2e-token-0123456789abcdef';

const skip = ensureSlurmInstalled();
if (skip) process.stderr.write(`# skipping the SLURM test: ${skip}\n`);

/** `equiscale slurm submit …` as a user runs it; resolves with its exit code and output. */
function equiscale(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'apps/cli/bin/equiscale.mjs'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('workers on a real SLURM cluster', { skip: skip ?? false, timeout: 900_000 }, () => {
  let cluster: SlurmCluster | undefined;
  let s: Stack | undefined;
  before(async () => {
    await warmDatasetCache(spec);
    // a lease far longer than the test waits: a trial that comes back did so because it was handed back
    s = await startStack({ token: TOKEN, leaseTtlMs: 600_000, heartbeatIntervalMs: 1_000, reapIntervalMs: 500, idleRetryMs: 200 });
    cluster = await startSlurmCluster();
  });
  after(async () => {
    await cluster?.stop();
    await s?.close();
  });

  it('runs the sweep as a job array; a scancel-ed and a signalled task hand their trials back; every trial completes exactly once', async () => {
    const c = cluster!;
    const st = s!;
    const db = st.conn.db;
    const fail = (what: string) => `${what}\n${c.logs()}`;
    assert.equal((await launch(st, spec)).trialCount, TRIALS);

    // submit the workers exactly as a user would; the token travels in the environment only
    const env = { ...c.env, EQUISCALE_TOKEN: TOKEN, EQUISCALE_CACHE_DIR: CACHE_DIR, EQUISCALE_BACKEND: 'cpu', EQUISCALE_LOG_LEVEL: 'info' };
    const sub = await equiscale(
      [
        'slurm', 'submit', '--coordinator', st.coordinator.address, '--workers', String(TASKS), '--cpus-per-task', '1',
        '--time', '20', '--signal-lead', '60', '--requeue', '--job-name', 'equiscale-e2e', '--chdir', ROOT,
        '--output', `${c.dir}/task-%A_%a.out`, '--idle-exit-ms', '3000',
      ],
      env,
    );
    assert.equal(sub.code, 0, fail(`slurm submit: ${sub.stderr}`));
    const jobId = sub.stdout.trim();
    assert.match(jobId, /^\d+$/, 'submit prints the job id');
    const taskLog = (i: number) => {
      try {
        return readFileSync(join(c.dir, `task-${jobId}_${i}.out`), 'utf8');
      } catch {
        return '';
      }
    };
    const trialsOf = () => db.selectFrom('trials').selectAll().orderBy('id').execute();

    /** waits until array task `i`'s worker is mid-way through a first attempt (a checkpoint stored, well before the last step) */
    const midTrial = (i: number) =>
      waitFor(
        `array task ${i} mid-trial`,
        async () => (await trialsOf()).find((t) => t.status === 'running' && t.lease_owner === `slurm-${jobId}_${i}.0` && t.preemptions === 0 && (t.checkpoint_step ?? 0) >= 4 && t.progress_step < STEPS - 12),
        240_000,
        25,
      ).catch((err: Error) => assert.fail(fail(`${err.message}\ntask ${i} log:\n${taskLog(i)}`)));
    /** waits until the trial has been handed back by task `i` (the lease is 10 min: expiry cannot be what frees it) */
    const handedBack = (id: unknown, i: number) =>
      waitFor(
        `array task ${i} to hand trial ${String(id)} back`,
        async () => {
          const t = (await trialsOf()).find((x) => x.id === id)!;
          return t.preemptions === 1 && t.lease_owner !== `slurm-${jobId}_${i}.0` ? t : null;
        },
        60_000,
        50,
      ).catch((err: Error) => assert.fail(fail(`${err.message}\ntask ${i} log:\n${taskLog(i)}`)));

    // (a) plain scancel of task 0: SLURM sends SIGCONT+SIGTERM to the job's processes, SIGKILL after KillWait
    const cancelled = await midTrial(0);
    // (task 0 is training) the running workers are the batch steps themselves (exec), with the token in their environment only
    const inJob = processesWithEnv(`SLURM_ARRAY_JOB_ID=${jobId}`);
    const running = inJob.filter((p) => p.argv.includes('worker'));
    assert.ok(running.length >= 1, 'worker processes of the array are running');
    for (const p of running) {
      assert.ok(p.env.includes(`EQUISCALE_TOKEN=${TOKEN}`), 'the token reached the worker through the environment');
      assert.ok(!p.argv.some((a) => a.includes(TOKEN)), `not on its command line: ${p.argv.join(' ')}`);
    }
    const shells = inJob.filter((p) => /(^|\/)(ba)?sh$/.test(p.argv[0] ?? ''));
    assert.deepEqual(shells.map((p) => p.argv.join(' ')), [], 'exec: no batch shell is left between SLURM and the worker');

    const cancel = c.run('scancel', [`${jobId}_0`]);
    assert.equal(cancel.status, 0, cancel.stderr);
    assert.equal((await handedBack(cancelled.id, 0)).error, null);

    // (b) SIGTERM to the batch step only, as `#SBATCH --signal=B:TERM@lead` does before the time limit: it
    //     reaches the worker only because the script exec-ed it (a batch shell in between would die and leave it)
    const warned = await midTrial(1);
    const signal = c.run('scancel', ['--batch', '--signal=TERM', `${jobId}_1`]);
    assert.equal(signal.status, 0, signal.stderr);
    assert.equal((await handedBack(warned.id, 1)).error, null);
    const handed = new Map([[cancelled.id, cancelled], [warned.id, warned]]);

    // the sweep completes, then idle workers exit and the array drains
    await waitFor(
      'the sweep to complete',
      async () => (await db.selectFrom('sweeps').select('status').where('name', '=', 'on-slurm').executeTakeFirstOrThrow()).status === 'completed',
      480_000,
      250,
    ).catch((err: Error) => assert.fail(fail(`${err.message}\n${[0, 1, 2].map((i) => `task ${i}:\n${taskLog(i).slice(-3000)}`).join('\n')}`)));
    await waitFor('the job array to drain', () => c.run('squeue', ['-h', '-j', jobId, '-o', '%i']).stdout.trim() === '', 120_000, 500);

    // every trial exactly once: completed, one test result, no duplicate metric points within an attempt
    const trials = await trialsOf();
    assert.equal(trials.length, TRIALS);
    for (const t of trials) {
      assert.equal(t.status, 'completed', `${t.cell_key}: ${t.error}`);
      assert.ok(Number.isFinite(t.test_loss) && t.test_loss! > 0);
      assert.equal(t.progress_step, STEPS);
      if (handed.has(t.id)) assert.deepEqual([t.attempt, t.preemptions], [2, 1], 'the signalled attempt and the resumed one');
      else assert.deepEqual([t.attempt, t.preemptions], [1, 0], `${t.cell_key} ran once`);
    }
    const perTrial = await sql<{ trial_id: number; tests: number; dup: number }>`
      select trial_id, count(*) filter (where split = 'test')::int as tests,
             (count(*) - count(distinct (split, step, attempt)))::int as dup
      from trial_metrics group by trial_id order by trial_id`.execute(db);
    assert.equal(perTrial.rows.length, TRIALS);
    for (const r of perTrial.rows) assert.deepEqual([r.tests, r.dup], [1, 0], `trial ${r.trial_id}`);

    // both signalled workers: SIGTERM reached them, they checkpointed and released, once
    for (const i of [0, 1]) {
      const log = taskLog(i);
      assert.match(log, /signal received: stopping after the current step/, log.slice(-3000));
      assert.match(log, /trial released; it resumes from its checkpoint/);
      assert.doesNotMatch(log, /second signal/, 'one SIGTERM');
    }
    // each handed-back trial was resumed from its checkpoint by another task, not started over
    const claims = Array.from({ length: TASKS }, (_, i) => taskLog(i).split('\n'))
      .flat()
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === 'trial claimed; resuming from checkpoint');
    for (const [id, at] of handed) {
      const resumed = claims.find((l) => l.trial === Number(id));
      assert.ok(resumed, `trial ${String(id)} was resumed from its checkpoint`);
      assert.ok((resumed!.resumedFrom as number) >= at.checkpoint_step!);
    }

    // SLURM's view: task 0 cancelled; task 1 (signalled) and the rest ended by themselves with exit code 0
    const state = (i: number) => c.run('scontrol', ['show', 'job', `${jobId}_${i}`]).stdout;
    assert.match(state(0), /JobState=CANCELLED/);
    for (let i = 1; i < TASKS; i++) {
      assert.match(state(i), /JobState=COMPLETED/, state(i));
      assert.match(state(i), /ExitCode=0:0/);
    }
    // every task registered as its own worker
    const workers = await db.selectFrom('workers').select('id').where('id', 'like', `slurm-${jobId}_%`).execute();
    assert.deepEqual(workers.map((w) => w.id).sort(), Array.from({ length: TASKS }, (_, i) => `slurm-${jobId}_${i}.0`));
  });
});
