/**
 * The embedded database under a crash: `equiscale demo --quick` on PGlite, one of its worker processes SIGKILLed
 * mid-study (the demo carries on), then the demo process itself SIGKILLed mid-study (no handler runs: PGlite is
 * not closed, the lock file stays). Its orphaned workers must not linger; the database must open again (`results`),
 * and a rerun must finish the study without losing or redoing any trial that had finished.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('../../', import.meta.url).pathname;
const BIN = join(root, 'apps/cli/bin/equiscale.mjs');
const work = mkdtempSync(join(tmpdir(), 'equiscale-demo-kill-'));
const env = { ...process.env, DATABASE_URL: '', EQUISCALE_DEBUG: '' };
const started: ChildProcess[] = [];
const workerPids = new Set<number>();

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of workerPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** pids of the processes whose parent is `pid` (Linux /proc) */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

interface Row {
  trial_id: number;
  cell_key: string;
  status: string;
  attempt: number;
  test_loss: number | null;
  wall_time_s: number | null;
}

function results(): { code: number | null; rows: Row[]; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'results', 'demo-quick', '--data-dir', join(work, 'state', 'db-quick'), '--format', 'json'], {
    cwd: work,
    encoding: 'utf8',
    timeout: 120_000,
    env,
  });
  return { code: r.status, rows: r.status === 0 ? (JSON.parse(r.stdout) as Row[]) : [], stderr: r.stderr };
}

describe('equiscale demo on PGlite, SIGKILLed mid-study', () => {
  it('a killed worker is replaced; after the demo is killed the database opens and a rerun completes without losing or redoing trials', async () => {
    const demo = spawn(process.execPath, [BIN, 'demo', '--quick', '--quiet', '--state-dir', 'state', '--out', 'out', '--workers', '2'], {
      cwd: work,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(demo);
    let err = '';
    demo.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<void>((resolve) => demo.on('exit', () => resolve()));
    const doneCount = () => Math.max(0, ...[...err.matchAll(/trials (\d+)\/36 done/g)].map((m) => Number(m[1])));
    const waitDone = async (n: number, what: string) => {
      const deadline = Date.now() + 300_000;
      while (doneCount() < n) {
        assert.ok(demo.exitCode === null, `the demo exited early (${demo.exitCode}):\n${err.slice(-2000)}`);
        assert.ok(Date.now() < deadline, `${what}: ${doneCount()}/36 done after 300 s:\n${err.slice(-2000)}`);
        await sleep(100);
      }
    };

    // 1. a worker SIGKILLed mid-study: the demo goes on (its lease expires, the trial is redone, a worker replaces it)
    await waitDone(2, 'first trials');
    const workers = childrenOf(demo.pid!);
    assert.ok(workers.length >= 1, 'the demo runs worker processes');
    workers.forEach((p) => workerPids.add(p));
    process.kill(workers[0]!, 'SIGKILL');
    const afterWorkerKill = doneCount();
    await waitDone(afterWorkerKill + 3, 'progress after a worker was killed');

    // 2. the demo itself SIGKILLed mid-study
    for (const p of childrenOf(demo.pid!)) workerPids.add(p);
    assert.ok(doneCount() < 36, 'still mid-study');
    demo.kill('SIGKILL');
    await exited;
    // its workers lose their parent and coordinator: they must exit by themselves, not spin forever
    const orphans = [...workerPids].filter(isAlive);
    const deadline = Date.now() + 60_000;
    while (orphans.some(isAlive) && Date.now() < deadline) await sleep(200);
    assert.deepEqual(orphans.filter(isAlive), [], 'no worker of the killed demo is left running');

    // 3. the database opens; every trial finished so far is recorded once
    const mid = results();
    assert.equal(mid.code, 0, `the embedded database opens after the crash:\n${mid.stderr}`);
    assert.equal(mid.rows.length, 36);
    const finished = mid.rows.filter((r) => r.status === 'completed');
    assert.ok(finished.length >= 5 && finished.length < 36, `${finished.length} trials finished before the kill`);
    assert.ok(finished.every((r) => r.test_loss !== null && r.test_loss > 0));

    // 4. a rerun (the lock file of the dead demo is stale) finishes the study; finished trials are not redone
    const rerun = spawnSync(process.execPath, [BIN, 'demo', '--quick', '--quiet', '--state-dir', 'state', '--out', 'out', '--workers', '2'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 600_000,
      env,
    });
    assert.equal(rerun.status, 0, rerun.stderr.slice(-3000));
    assert.match(rerun.stderr, new RegExp(`${finished.length} already done — resuming`));
    const end = results();
    assert.equal(end.code, 0, end.stderr);
    assert.equal(end.rows.length, 36);
    assert.equal(new Set(end.rows.map((r) => r.cell_key)).size, 36, 'no trial duplicated');
    assert.ok(end.rows.every((r) => r.status === 'completed' && r.test_loss! > 0), 'the study completes');
    const byId = new Map(end.rows.map((r) => [r.trial_id, r]));
    for (const r of finished) {
      const now = byId.get(r.trial_id)!;
      assert.deepEqual([now.attempt, now.test_loss, now.wall_time_s], [r.attempt, r.test_loss, r.wall_time_s], `${r.cell_key} was not redone`);
    }
    assert.ok(existsSync(join(work, 'out', 'report.md')), 'the report is written');
  });
});
