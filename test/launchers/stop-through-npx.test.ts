/**
 * Issue 20: SIGTERM sent to the process a launcher started — here `npx --no-install equiscale …`, i.e.
 * npm exec → sh -c → node — stops equiscale gracefully, although npm's sh does not pass the signal on
 * (apps/cli/src/launcher-watch.ts). Each process is started in a process group of its own (detached), the signal
 * goes to the npx process only, and "no equiscale process left" means no live process remains in that group.
 * Everything started here is SIGKILLed (by group) when the file ends, passed or not.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeAdminClient, unary, type ListSweepsRequest, type ListSweepsResponse } from '@equiscale/contract';
import { CACHE_DIR, ROOT, launch, spawnWorker, startStack, tinySpec, waitFor, warmDatasetCache, killAll, type Stack, type WorkerProcess } from '../sweeps/helpers.js';

interface Launched {
  child: ChildProcess;
  /** the npx process's pid, which is also the process group of everything it starts */
  pgid: number;
  stderr(): string;
  exited: Promise<void>;
}

const groups: number[] = [];
function killGroups() {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // the group is already empty
    }
  }
}
process.on('exit', killGroups);

/** `npx --no-install equiscale ARGS` in its own process group, as a process manager or a job runtime starts it. */
function npx(args: string[], cwd = ROOT, env: Record<string, string | undefined> = {}): Launched {
  const child = spawn('npx', ['--no-install', ...(cwd === ROOT ? [] : ['--prefix', ROOT]), 'equiscale', ...args], {
    cwd,
    detached: true,
    env: Object.fromEntries(Object.entries({ ...process.env, EQUISCALE_LOG_LEVEL: 'info', ...env }).filter(([, v]) => v !== undefined)),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  groups.push(child.pid!);
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (err += s));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return { child, pgid: child.pid!, stderr: () => err, exited };
}

/** Live (non-zombie) processes of a process group, with their command lines. */
function groupMembers(pgid: number): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z') out.push(`${d}: ${readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`);
    } catch {
      // gone while we looked
    }
  }
  return out;
}

/**
 * Sends SIGTERM to the npx process only (or, with `group`, to every process of the group, as a terminal's Ctrl-C
 * or SLURM does), then waits until the whole group is gone (or fails naming what is left).
 */
async function terminateNpxOnly(p: Launched, graceMs: number, group = false): Promise<void> {
  const before = groupMembers(p.pgid);
  assert.ok(before.length >= 3, `npx → sh → node are running:\n${before.join('\n')}\n${p.stderr().slice(-2000)}`);
  process.kill(group ? -p.pgid : p.pgid, 'SIGTERM');
  await p.exited;
  try {
    await waitFor('every process started through npx to exit', () => groupMembers(p.pgid).length === 0, graceMs, 200);
  } catch (e) {
    assert.fail(`${(e as Error).message}; still running:\n${groupMembers(p.pgid).join('\n')}\n--- stderr:\n${p.stderr().slice(-3000)}`);
  }
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });

describe('SIGTERM to `npx equiscale …` only', () => {
  let s: Stack;
  const workers: WorkerProcess[] = [];
  before(async () => {
    // A lease far longer than the test: a trial that comes back here was released, not reaped.
    s = await startStack({ leaseTtlMs: 600_000, heartbeatIntervalMs: 200, reapIntervalMs: 200, idleRetryMs: 200 });
  });
  after(async () => {
    killGroups();
    await killAll(workers);
    await s?.close();
  });

  it('worker: finishes its step, checkpoints, releases the trial and exits; another worker resumes it and completes', async () => {
    const STEPS = 3000;
    const spec = tinySpec({ name: 'npx-worker', families: ['transformer'], seeds: [5], steps: [STEPS], checkpointEvery: 10 });
    await warmDatasetCache(spec);
    await launch(s, spec);
    const trial = () =>
      s.conn.db.selectFrom('trials').innerJoin('sweeps', 'sweeps.id', 'trials.sweep_id').selectAll('trials').where('sweeps.name', '=', 'npx-worker').executeTakeFirstOrThrow();

    const w = npx(['worker', '--coordinator', s.coordinator.address, '--cache-dir', CACHE_DIR, '--worker-id', 'via-npx'], ROOT, { EQUISCALE_BACKEND: 'cpu' });
    const seen = await waitFor('a stored checkpoint of the running trial', async () => {
      const t = await trial();
      return t.status === 'running' && (t.checkpoint_step ?? 0) >= 10 ? t : null;
    }, 180_000, 50);
    await terminateNpxOnly(w, 120_000);

    let t = await trial();
    assert.equal(t.status, 'pending', `released, not failed or still held (stderr: ${w.stderr().slice(-1500)})`);
    assert.deepEqual([t.attempt, t.preemptions, t.lease_owner], [1, 1, null]);
    assert.ok(t.checkpoint_step! >= seen.checkpoint_step! && t.checkpoint_step! < STEPS, `checkpointed at the stop (${t.checkpoint_step})`);
    assert.match(w.stderr(), /trial released; it resumes from its checkpoint/);
    assert.match(w.stderr(), /stopping as on SIGTERM/, 'the launcher watch did the stopping');
    const stoppedAt = t.checkpoint_step!;

    const next = spawnWorker(s.coordinator.address, ['--worker-id', 'next', '--idle-exit-ms', '500']);
    workers.push(next);
    assert.equal(await next.exited, 0, JSON.stringify(next.logs.filter((l) => l.level === 'error')));
    t = await trial();
    assert.deepEqual([t.status, t.attempt, t.progress_step], ['completed', 2, STEPS]);
    const resumed = next.logs.find((l) => l.msg === 'trial claimed; resuming from checkpoint');
    assert.equal(resumed?.resumedFrom, stoppedAt, 'resumed from the checkpoint written at the stop');
    assert.ok(stoppedAt > 0);
  });

  it('worker: SIGTERM to every process at once (and the orphaning that follows) still counts as one stop', async () => {
    const spec = tinySpec({ name: 'npx-group', families: ['transformer'], seeds: [6], steps: [3000], checkpointEvery: 10 });
    await warmDatasetCache(spec);
    await launch(s, spec);
    const trial = () =>
      s.conn.db.selectFrom('trials').innerJoin('sweeps', 'sweeps.id', 'trials.sweep_id').selectAll('trials').where('sweeps.name', '=', 'npx-group').executeTakeFirstOrThrow();
    const w = npx(['worker', '--coordinator', s.coordinator.address, '--cache-dir', CACHE_DIR, '--worker-id', 'via-npx-group'], ROOT, { EQUISCALE_BACKEND: 'cpu' });
    await waitFor('a stored checkpoint of the running trial', async () => {
      const t = await trial();
      return t.status === 'running' && (t.checkpoint_step ?? 0) >= 10;
    }, 180_000, 50);
    await terminateNpxOnly(w, 120_000, true);
    const t = await trial();
    assert.deepEqual([t.status, t.preemptions, t.lease_owner], ['pending', 1, null], w.stderr().slice(-1500));
    assert.match(w.stderr(), /trial released; it resumes from its checkpoint/);
    assert.doesNotMatch(w.stderr(), /second signal/, 'not mistaken for a second signal ("exit now")');
  });

  it('coordinator: stops accepting calls, exits and frees its port', async () => {
    const c = npx(['coordinator', '--port', '0', '--database-url', s.conn.url]);
    const m = await waitFor('the coordinator to listen', () => /listening on 127\.0\.0\.1:(\d+)/.exec(c.stderr()), 120_000, 100);
    const port = Number(m[1]);
    const admin = makeAdminClient(`127.0.0.1:${port}`);
    try {
      const r = await unary<ListSweepsRequest, ListSweepsResponse>(admin, admin.listSweeps, {}, s.md);
      assert.ok(Array.isArray(r.sweeps), 'it serves calls');
    } finally {
      admin.close();
    }
    assert.equal(await portFree(port), false);
    await terminateNpxOnly(c, 60_000);
    assert.match(c.stderr(), /coordinator stopped/);
    assert.equal(await connects(port), false, 'nothing accepts connections on its port');
    assert.equal(await portFree(port), true, 'the port is free again');
  });
});

describe('SIGTERM to `npx equiscale demo --quick` only', () => {
  const work = mkdtempSync(join(tmpdir(), 'equiscale-npx-demo-'));
  after(() => {
    killGroups();
    rmSync(work, { recursive: true, force: true });
  });
  const args = ['demo', '--quick', '--state-dir', 'state', '--out', 'out', '--workers', '2', '--quiet'];
  const env = { DATABASE_URL: '', EQUISCALE_BACKEND: undefined };
  // Read through the command, as a user would (and so this test process never holds the single-process PGlite).
  const rows = () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/equiscale'), ['results', 'demo-quick', '--data-dir', join(work, 'state', 'db-quick'), '--format', 'json'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, DATABASE_URL: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { trial_id: number; status: string; attempt: number; test_loss: number | null; wall_time_s: number | null }[];
  };
  const workerLogs = () =>
    readdirSync(join(work, 'state', 'logs'))
      .filter((f) => f.startsWith('worker-'))
      .map((f) => readFileSync(join(work, 'state', 'logs', f), 'utf8'))
      .join('');

  it('shuts down as on Ctrl-C: workers hand their trials back, the database is consistent, a rerun finishes the rest', async () => {
    // A temporary working directory, as a user's; --prefix points npx at this checkout's node_modules/.bin.
    const d = npx(args, work, env);
    await waitFor('a few finished trials', () => [...d.stderr().matchAll(/trials (\d+)\/36 done/g)].some((x) => Number(x[1]) >= 4), 240_000, 100);
    await terminateNpxOnly(d, 120_000);
    assert.match(d.stderr(), /stopping as on SIGTERM/);
    assert.match(d.stderr(), /Run the same command again to resume/);

    // The workers were stopped gracefully: they handed back the trials they held.
    assert.match(workerLogs(), /trial released; it resumes from its checkpoint|signal received: stopping after the current step/);
    const before = rows();
    const finished = before.filter((x) => x.status === 'completed');
    assert.ok(finished.length >= 4 && finished.length < 36, `${finished.length} trials finished before the stop`);
    assert.ok(before.every((x) => x.status === 'completed' || x.status === 'pending'), `no trial left running or failed: ${JSON.stringify(before.filter((x) => x.status !== 'completed'))}`);

    const again = npx(args, work, env);
    await again.exited;
    assert.equal(again.child.exitCode, 0, again.stderr().slice(-3000));
    assert.match(again.stderr(), /already done — resuming/);
    const afterRows = rows();
    assert.equal(afterRows.filter((x) => x.status === 'completed').length, 36);
    for (const f of finished) assert.deepEqual(afterRows.find((x) => x.trial_id === f.trial_id), f, `finished trial ${f.trial_id} was not redone`);
  });
});
