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
import type { Trial } from '@equiscale/sweeps';
import { UsageError } from '../errors.js';
import { makeProgress } from '../progress.js';
import { formatDuration } from '../commands/common.js';
import { costWeightedEta, trialSeconds } from './estimate.js';
import { demoStudy, type PresetName, type StudySweep } from './specs.js';
import { weightSpaceDemoStudy } from './weight-space-specs.js';

export interface DemoOptions {
  preset: PresetName;
  /** the benchmark of the study (absent: rigid-body; weight-space has the quick and demo presets) */
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

type Counts = SweepOverview['counts'];

function statusBlock(c: Counts, elapsedS: number, etaS: number | null, fams: FamilyProgress[], workers: number): string[] {
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  const done = c.completed + c.diverged + c.failed + c.cancelled;
  const f = (x: number | null) => (x === null ? '-' : x.toPrecision(3));
  return [
    `trials ${done}/${total} done · ${c.running} running · ${c.pending} pending · ${c.failed} failed · ${c.diverged} diverged · ${workers} workers · elapsed ${formatDuration(elapsedS)} · ETA ${etaS === null ? '?' : formatDuration(etaS)}`,
    ...fams.map((x) => `  ${x.family.padEnd(20)} ${String(x.done).padStart(3)}/${x.total}  best test loss ${f(x.bestTest)}  latest val loss ${f(x.lastVal)}`),
  ];
}

/** Progress of several sweeps as one: counts summed, families merged (best losses the minimum, latest val of the last sweep that has one). */
function mergeProgress(parts: FamilyProgress[][]): FamilyProgress[] {
  const m = new Map<string, FamilyProgress>();
  for (const p of parts)
    for (const x of p) {
      const cur = m.get(x.family);
      if (!cur) m.set(x.family, { ...x });
      else {
        cur.done += x.done;
        cur.total += x.total;
        cur.bestTest = cur.bestTest === null ? x.bestTest : x.bestTest === null ? cur.bestTest : Math.min(cur.bestTest, x.bestTest);
        cur.lastVal = x.lastVal ?? cur.lastVal;
      }
    }
  return [...m.values()];
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
  if (weightSpace && o.preset === 'study') throw new UsageError('demo: --benchmark weight-space has the quick and demo presets; drop --preset study');
  const study = weightSpace ? weightSpaceDemoStudy(o.preset === 'quick' ? 'quick' : 'demo') : demoStudy(o.preset);
  const dbDir = join(stateDir, `${weightSpace ? 'db-ws' : 'db'}${o.preset === 'quick' ? '-quick' : o.preset === 'study' ? '-study' : ''}`);
  if (o.fresh) {
    rmSync(dbDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
  const { openDatabase, getSweepByName, sweepOverview, familyProgress, loadStudyRows, sweepBackends, listTrials } = await import('@equiscale/db');
  const { startCoordinator, createLogger } = await import('@equiscale/coordinator');
  const { makeAdminClient, callMetadata, unary } = await import('@equiscale/contract');
  const { planSweep, normalizeSpec } = await import('@equiscale/sweeps');
  const studyLib = await import('@equiscale/study');
  type CreateReq = import('@equiscale/contract').CreateSweepRequest;
  type CreateRes = import('@equiscale/contract').CreateSweepResponse;

  // The whole study planned up front (later stages with the default learning rates: the choice does not change
  // their cost), for the expected time and the ETA of stages not created yet.
  const plannedStage = study.stages.map((stage) => stage(new Map()).flatMap((x) => planSweep(normalizeSpec(x.spec)).cells));
  const plannedSeconds = plannedStage.map((cells) => cells.reduce((a, t) => a + trialSeconds(t), 0));
  // quick and demo: their measured times; study: the same estimate as `sweep plan --preset study` (training, datasets, analysis)
  const expectedMinutes = study.expectedMinutes ?? (await import('../commands/sweep-plan.js')).presetPlan(o.preset, Math.max(1, o.workers)).estimatedMinutes;

  const flag = o.preset === 'demo' ? '' : o.preset === 'quick' ? ' --quick' : ` --preset ${o.preset}`;
  log(`equiscale demo${weightSpace ? ' --benchmark weight-space' : ''}${flag}: opening the embedded database in ${dbDir}`);
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
  const created: { purpose?: StudySweep['purpose']; name: string; id: number; trialCount: number; stage: number }[] = [];
  const startedAt = Date.now();
  let costDoneAtStart: number | null = null;
  try {
    const createSweep = async (spec: Record<string, unknown>): Promise<CreateRes> => {
      const admin = makeAdminClient(coordinator.address, { token });
      try {
        return await unary<CreateReq, CreateRes>(admin, admin.createSweep, { specText: JSON.stringify(spec), format: 'json', extend: false }, callMetadata({ token }));
      } finally {
        admin.close();
      }
    };
    /** The learning rates chosen on the finished learning-rate sweeps (libs/study chooseLearningRates). */
    const chosenLrs = async (): Promise<Map<string, number>> => {
      const lrTrials = [];
      for (const c of created.filter((x) => x.purpose === 'lr')) lrTrials.push(...(studyLib.studyFromRows((await loadStudyRows(conn.db, c.name))!).trials));
      return new Map(studyLib.chooseLearningRates(lrTrials).map((c) => [c.family, c.chosen]));
    };

    let announced = false;
    for (let stageIx = 0; stageIx < study.stages.length && !stopRequested; stageIx++) {
      const lr = stageIx > 0 ? await chosenLrs() : new Map<string, number>();
      if (stageIx > 0 && lr.size) log(`learning rates chosen on validation: ${[...lr].map(([f, p]) => `${f} ${p}`).join(', ')}`);
      const stageSweeps: typeof created = [];
      for (const sw of study.stages[stageIx]!(lr)) {
        const res = await createSweep(sw.spec);
        const row = (await getSweepByName(conn.db, res.name))!;
        stageSweeps.push({ purpose: sw.purpose, name: res.name, id: Number(row.id), trialCount: res.trialCount, stage: stageIx });
      }
      created.push(...stageSweeps);
      const rows = await Promise.all(stageSweeps.map(async (x) => (await getSweepByName(conn.db, x.name))!));
      const overviews = async () => Promise.all(rows.map((r) => sweepOverview(conn.db, r)));
      const sum = (ovs: SweepOverview[]): Counts => {
        const c: Counts = { pending: 0, running: 0, completed: 0, diverged: 0, failed: 0, cancelled: 0 };
        for (const ov of ovs) for (const k of Object.keys(c) as (keyof Counts)[]) c[k] += ov.counts[k];
        return c;
      };
      let counts = sum(await overviews());
      const unfinished = counts.pending + counts.running;
      const totalTrials = stageSweeps.reduce((a, x) => a + x.trialCount, 0);
      const workers = Math.max(1, Math.min(o.workers, unfinished || 1));
      const names = stageSweeps.map((x) => x.name).join(', ');
      if (unfinished === 0) {
        log(`${stageSweeps.length > 1 ? 'sweeps' : 'study'} ${names} already finished (${totalTrials} trials)${stageIx === study.stages.length - 1 ? '; writing the report (use --fresh to start over)' : ''}`);
        continue;
      }
      const resumed = totalTrials - unfinished;
      if (!announced) {
        log(
          `study ${study.name}: ${plannedStage.reduce((a, c) => a + c.length, 0)} trials` +
            (study.stages.length > 1 ? ` in ${study.stages.length} stages (learning-rate sweep, then compute and data scaling)` : ' (3 families × sizes × steps × training-set sizes)') +
            `; ${workers} worker processes; expected about ${expectedMinutes} min on 2 cores with the wasm backend`,
        );
        log(`logs: ${logDir}`);
        if (weightSpace) await prepareWeightSpaceData(study.stages[0]!(new Map())[0]!.spec, join(stateDir, 'cache'), log);
        announced = true;
      }
      log(`stage ${stageIx + 1}/${study.stages.length}: ${names} — ${totalTrials} trials` + (resumed ? `, ${resumed} already done — resuming` : ''));

      let spawned = 0;
      const maxSpawns = workers + 20;
      const spawnWorker = (i: number) => {
        const fd = openSync(join(logDir, `worker-${i}.log`), 'a');
        const ch = spawn(
          process.execPath,
          [BIN, 'worker', '--coordinator', coordinator.address, '--cache-dir', join(stateDir, 'cache'), '--idle-exit-ms', '4000', '--worker-id', `demo-worker-${i}-${process.pid}-${stageIx}-${spawned}`],
          // the IPC channel only tells the worker when this process dies (it then exits: workerMain)
          { env: { ...process.env, EQUISCALE_TOKEN: token, EQUISCALE_COORDINATOR: '' }, stdio: ['ignore', fd, fd, 'ipc'] },
        );
        closeSync(fd);
        spawned++;
        children.add(ch);
        ch.on('exit', () => children.delete(ch));
      };
      for (let i = 0; i < workers; i++) spawnWorker(i);

      const doneOf = (c: Counts) => c.completed + c.diverged + c.failed + c.cancelled;
      const startDone = doneOf(counts);
      let lastPrinted = '';
      let lastKey = '';
      let lastLogAt = 0;
      let etaS: number | null = null;
      let lastEtaAt = 0;
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        counts = sum(await overviews());
        const done = doneOf(counts);
        const runNow = done - startDone;
        // ETA weighted by each trial's estimated cost (steps and executed FLOPs by architecture), every 5 s
        if (Date.now() - lastEtaAt > 5000 || counts.pending + counts.running === 0) {
          lastEtaAt = Date.now();
          let doneCost = 0;
          let leftCost = 0;
          for (const x of created) {
            for (const t of await listTrials(conn.db, x.id)) {
              const tr = t.trial as Trial;
              const all = trialSeconds(tr);
              if (t.status === 'pending') leftCost += all;
              else if (t.status === 'running') {
                const left = trialSeconds(tr, t.progress_step);
                leftCost += left;
                doneCost += all - left;
              } else if (t.status !== 'cancelled') doneCost += all;
            }
          }
          for (let k = stageIx + 1; k < study.stages.length; k++) leftCost += plannedSeconds[k]!;
          if (costDoneAtStart === null) costDoneAtStart = doneCost;
          etaS = costWeightedEta((Date.now() - startedAt) / 1000, doneCost - costDoneAtStart, leftCost, workers);
        }
        const elapsedS = (Date.now() - startedAt) / 1000;
        const lines = statusBlock(counts, elapsedS, etaS, mergeProgress(await Promise.all(stageSweeps.map((x) => familyProgress(conn.db, x.id)))), children.size);
        if (!o.quiet && process.stderr.isTTY) {
          process.stderr.write(`${lastPrinted ? `\x1b[${lastPrinted.split('\n').length}A` : ''}${lines.map((l) => `${l}\x1b[K`).join('\n')}\n`);
          lastPrinted = lines.join('\n');
        } else {
          // Logs: a line when a trial finishes or starts, and at least every 30 s.
          const key = `${done}/${counts.running}/${counts.pending}`;
          if (key !== lastKey || Date.now() - lastLogAt > 30_000) {
            log(lines[0]!);
            lastKey = key;
            lastLogAt = Date.now();
          }
        }
        if (o.stopAfterTrials && trialsRun + runNow >= o.stopAfterTrials && !stopRequested) {
          log(`stopping after ${trialsRun + runNow} trials (--stop-after-trials)`);
          interrupted = stopRequested = true;
        }
        if (stopRequested || counts.pending + counts.running === 0) {
          trialsRun += runNow;
          break;
        }
        // A worker that exited while work remains (idle exit during a retry, a crash) is replaced, within bounds.
        if (counts.pending > 0 && children.size < workers && spawned < maxSpawns) spawnWorker(spawned);
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
    const parts: { purpose: StudySweep['purpose']; stage: number; study: import('@equiscale/study').Study }[] = [];
    for (const c of created) parts.push({ purpose: c.purpose, stage: c.stage, study: studyLib.studyFromRows((await loadStudyRows(conn.db, c.name))!) });
    // wall time: the sweeps of a stage run side by side, the stages one after the other
    const wallTimeS = study.stages.reduce((a, _, k) => a + Math.max(0, ...parts.filter((p) => p.stage === k).map((p) => p.study.elapsedS)), 0);
    const s =
      parts.length === 1 && !parts[0]!.purpose
        ? parts[0]!.study
        : studyLib.mergeStudies(
            study.name,
            parts.map((p) => ({ purpose: p.purpose!, study: p.study })),
            study.design,
          );
    const wall = s.trials.reduce((a, t) => a + (t.wallTimeS ?? 0), 0);
    // the workers' backend and kernels as recorded per trial, e.g. "wasm+openblas" (OpenBLAS matmuls) or "wasm"
    const backend = [...new Set((await Promise.all(created.map((c) => sweepBackends(conn.db, c.id)))).flat())].join(', ');
    log(`trained on: ${backend || 'no trial recorded a backend'}`);
    const r = await studyLib.writeStudyReport(s, outDir, {
      bootstrap: study.bootstrap,
      seed: 0,
      progress: o.quiet ? undefined : progress,
      context: {
        backend,
        wallTimeS,
        notes: [`Training time summed over trials: ${formatDuration(wall)}.`, ...(o.preset === 'study' ? [] : ['This is the small demo study: a single seed and few sizes per family, so the scorecard can decide little; `equiscale demo --preset study` runs the design that can.'])],
      },
    });
    for (const c of r.analysis.result.claims) log(`claim ${c.id}: ${c.verdict}`);
    log(`report: ${r.report.html}`);
    log(`        ${r.report.markdown}, ${r.report.json ?? ''} (+ ${r.figures.length} figures as SVG and PNG in ${outDir})`);
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
