/**
 * `equiscale demo`: a whole scaling study in one command. Embedded PGlite in .equiscale/, the coordinator on a
 * free loopback port in this process, one worker child process per core over real gRPC, the built-in sweep,
 * live progress, then fits, figures and a report in equiscale-out/. Re-running resumes; Ctrl-C stops cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FamilyProgress, SweepOverview } from '@equiscale/db';
import { UsageError } from '../errors.js';
import { makeProgress } from '../progress.js';
import { formatDuration } from '../commands/common.js';
import { demoStudy } from './specs.js';
import { weightSpaceDemoStudy } from './weight-space-specs.js';

export interface DemoOptions {
  quick: boolean;
  /** the benchmark of the study (absent: rigid-body) */
  benchmark?: 'rigid-body' | 'weight-space';
  fresh: boolean;
  workers: number;
  stateDir: string;
  outDir: string;
  quiet: boolean;
  /** exit after this many trials finished in this run (tests of interruption); 0 = never */
  stopAfterTrials?: number;
}

export interface DemoResult {
  completed: boolean;
  interrupted: boolean;
  reportHtml?: string;
  reportMarkdown?: string;
  trialsRun: number;
}

const BIN = fileURLToPath(new URL('../../bin/equiscale.mjs', import.meta.url));

/** One demo at a time per state folder: PGlite is a single-process database. */
function takeLock(stateDir: string): () => void {
  const lock = join(stateDir, 'demo.lock');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    let alive = false;
    try {
      if (pid > 0) {
        process.kill(pid, 0);
        alive = true;
      }
    } catch {
      alive = false;
    }
    if (alive && pid !== process.pid) {
      throw new UsageError(`another equiscale demo (pid ${pid}) is using ${stateDir}; wait for it or stop it first`);
    }
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

function statusBlock(ov: SweepOverview, fams: FamilyProgress[], workers: number): string[] {
  const c = ov.counts;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  const done = c.completed + c.diverged + c.failed + c.cancelled;
  const f = (x: number | null) => (x === null ? '-' : x.toPrecision(3));
  return [
    `trials ${done}/${total} done · ${c.running} running · ${c.pending} pending · ${c.failed} failed · ${c.diverged} diverged · ${workers} workers · elapsed ${formatDuration(ov.elapsedS)} · ETA ${ov.etaS === null ? '?' : formatDuration(ov.etaS)}`,
    ...fams.map((x) => `  ${x.family.padEnd(20)} ${String(x.done).padStart(3)}/${x.total}  best test loss ${f(x.bestTest)}  latest val loss ${f(x.lastVal)}`),
  ];
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const stateDir = resolve(o.stateDir);
  const outDir = resolve(o.outDir);
  mkdirSync(stateDir, { recursive: true });
  const unlock = takeLock(stateDir);
  const progress = makeProgress(o.quiet);
  const log = (msg: string) => (o.quiet ? process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), msg })}\n`) : progress.line(msg));
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const weightSpace = o.benchmark === 'weight-space';
  const study = weightSpace ? weightSpaceDemoStudy(o.quick) : demoStudy(o.quick);
  const dbDir = join(stateDir, `${weightSpace ? 'db-ws' : 'db'}${o.quick ? '-quick' : ''}`);
  if (o.fresh) {
    rmSync(dbDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
  const { openDatabase, getSweepByName, sweepOverview, familyProgress, loadStudyRows, sweepBackends } = await import('@equiscale/db');
  const { startCoordinator, createLogger } = await import('@equiscale/coordinator');
  const { makeAdminClient, callMetadata, unary } = await import('@equiscale/contract');
  type CreateReq = import('@equiscale/contract').CreateSweepRequest;
  type CreateRes = import('@equiscale/contract').CreateSweepResponse;

  log(`equiscale demo${weightSpace ? ' --benchmark weight-space' : ''}${o.quick ? ' --quick' : ''}: opening the embedded database in ${dbDir}`);
  const conn = await openDatabase({ url: '', dataDir: dbDir });
  const token = randomBytes(24).toString('hex');
  const coordLog = join(logDir, 'coordinator.log');
  const coordinator = await startCoordinator({
    db: conn,
    host: '127.0.0.1',
    port: 0,
    token,
    leaseTtlMs: 10_000,
    heartbeatIntervalMs: 2_000,
    reapIntervalMs: 1_000,
    logger: createLogger({ write: (line) => appendFileSync(coordLog, line) }),
  });

  const children = new Set<ChildProcess>();
  let interrupted = false;
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) {
      for (const ch of children) ch.kill('SIGKILL');
      return;
    }
    interrupted = stopRequested = true;
    log('interrupted: workers finish their current step, checkpoint and hand their trials back (Ctrl-C again to kill)');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  let trialsRun = 0;
  try {
    const admin = makeAdminClient(coordinator.address, { token });
    let created: CreateRes;
    try {
      created = await unary<CreateReq, CreateRes>(admin, admin.createSweep, { specText: JSON.stringify(study.spec), format: 'json', extend: false }, callMetadata({ token }));
    } finally {
      admin.close();
    }
    const sweep = (await getSweepByName(conn.db, created.name))!;
    let ov = await sweepOverview(conn.db, sweep);
    const unfinished = ov.counts.pending + ov.counts.running;
    const workers = Math.max(1, Math.min(o.workers, unfinished || 1));
    if (unfinished === 0) {
      log(`study ${created.name} already finished (${created.trialCount} trials); writing the report (use --fresh to start over)`);
    } else {
      const resumed = created.trialCount - unfinished;
      log(
        `study ${created.name}: ${created.trialCount} trials (3 families × sizes × steps × training-set sizes)` +
          (resumed ? `, ${resumed} already done — resuming` : '') +
          `; ${workers} worker processes; expected about ${study.expectedMinutes} min on 2 cores with the wasm backend`,
      );
      log(`logs: ${logDir}`);
      if (weightSpace) await prepareWeightSpaceData(study.spec, join(stateDir, 'cache'), log);

      let spawned = 0;
      const maxSpawns = workers + 20;
      const spawnWorker = (i: number) => {
        const fd = openSync(join(logDir, `worker-${i}.log`), 'a');
        const ch = spawn(
          process.execPath,
          [BIN, 'worker', '--coordinator', coordinator.address, '--cache-dir', join(stateDir, 'cache'), '--idle-exit-ms', '4000', '--worker-id', `demo-worker-${i}-${process.pid}-${spawned}`],
          // the IPC channel only tells the worker when this process dies (it then exits: workerMain)
          { env: { ...process.env, EQUISCALE_TOKEN: token, EQUISCALE_COORDINATOR: '' }, stdio: ['ignore', fd, fd, 'ipc'] },
        );
        closeSync(fd);
        spawned++;
        children.add(ch);
        ch.on('exit', () => children.delete(ch));
      };
      for (let i = 0; i < workers; i++) spawnWorker(i);

      const startDone = ov.counts.completed + ov.counts.diverged + ov.counts.failed + ov.counts.cancelled;
      let lastPrinted = '';
      let lastKey = '';
      let lastLogAt = 0;
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        ov = await sweepOverview(conn.db, sweep);
        const done = ov.counts.completed + ov.counts.diverged + ov.counts.failed + ov.counts.cancelled;
        trialsRun = done - startDone;
        const lines = statusBlock(ov, await familyProgress(conn.db, sweep.id), children.size);
        if (!o.quiet && process.stderr.isTTY) {
          process.stderr.write(`${lastPrinted ? `\x1b[${lastPrinted.split('\n').length}A` : ''}${lines.map((l) => `${l}\x1b[K`).join('\n')}\n`);
          lastPrinted = lines.join('\n');
        } else {
          // Logs: a line when a trial finishes or starts, and at least every 30 s.
          const key = `${done}/${ov.counts.running}/${ov.counts.pending}`;
          if (key !== lastKey || Date.now() - lastLogAt > 30_000) {
            log(lines[0]);
            lastKey = key;
            lastLogAt = Date.now();
          }
        }
        if (o.stopAfterTrials && trialsRun >= o.stopAfterTrials && !stopRequested) {
          log(`stopping after ${trialsRun} trials (--stop-after-trials)`);
          interrupted = stopRequested = true;
        }
        if (stopRequested) break;
        if (ov.counts.pending + ov.counts.running === 0) break;
        // A worker that exited while work remains (idle exit during a retry, a crash) is replaced, within bounds.
        if (ov.counts.pending > 0 && children.size < workers && spawned < maxSpawns) spawnWorker(spawned);
      }
      // Stop the workers: SIGTERM → finish the step, checkpoint, release the trial, exit.
      for (const ch of children) ch.kill('SIGTERM');
      const deadline = Date.now() + 60_000;
      while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      for (const ch of children) ch.kill('SIGKILL');
    }
    if (interrupted) {
      log('stopped; the database is consistent. Run the same command again to resume the study.');
      return { completed: false, interrupted: true, trialsRun };
    }

    log('fitting scaling laws per family (with bootstrap) and drawing the figures…');
    mkdirSync(outDir, { recursive: true });
    const { studyFromRows, writeStudyReport } = await import('@equiscale/study');
    const s = studyFromRows((await loadStudyRows(conn.db, created.name))!);
    const wall = s.trials.reduce((a, t) => a + (t.wallTimeS ?? 0), 0);
    // the workers' backend and kernels as recorded per trial, e.g. "wasm+openblas" (OpenBLAS matmuls) or "wasm"
    const backend = (await sweepBackends(conn.db, sweep.id)).join(', ');
    log(`trained on: ${backend || 'no trial recorded a backend'}`);
    const r = await writeStudyReport(s, outDir, {
      bootstrap: study.bootstrap,
      seed: 0,
      progress: o.quiet ? undefined : progress,
      context: {
        backend,
        wallTimeS: ov.elapsedS,
        notes: [`Training time summed over trials: ${formatDuration(wall)}.`],
      },
    });
    log(`report: ${r.report.html}`);
    log(`        ${r.report.markdown} (+ ${r.figures.length} figures as SVG and PNG in ${outDir})`);
    return { completed: true, interrupted: false, reportHtml: r.report.html, reportMarkdown: r.report.markdown, trialsRun };
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    for (const ch of children) ch.kill('SIGKILL');
    await coordinator.stop();
    await conn.close();
    unlock();
  }
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Fits the weight-space dataset's INRs once, here, before the workers start (each INR costs milliseconds of
 * CPU): the workers then read it from the shared cache instead of each generating the same data.
 */
async function prepareWeightSpaceData(spec: Record<string, unknown>, cacheDir: string, log: (msg: string) => void): Promise<void> {
  const { weightSpaceBenchmark } = await import('@equiscale/weight-space');
  const cfg = weightSpaceBenchmark.validateConfig(spec.benchmark);
  const trainSize = Math.max(...(spec.trainSizes as number[]));
  const t0 = performance.now();
  const d = await weightSpaceBenchmark.loadDataset(cfg, { trainSize, cacheDir });
  const generated = Object.values(d.cache).some((c) => c !== 'hit');
  log(`weight-space data: ${trainSize} + ${cfg.valExamples} + ${cfg.testExamples} INRs ${generated ? `fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s` : 'from the cache'} (${cacheDir})`);
}
