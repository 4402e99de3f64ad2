/**
 * The approach-3 grid fit split over worker threads: start k goes to worker k mod threads; the best converged
 * optimum wins, ties going to the earliest start — the same choice as the sequential fitApproach3, so both give
 * identical results. Workers run ./grid-worker.ts after registering tsx's loader in the worker (equiscale has
 * no build step; tsx runs TypeScript everywhere, and Node 20 workers do not inherit the parent's loader hooks).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { finishFit, gridStarts, HOFFMANN_GRID, identifiabilityProblems, type Approach3Fit, type Approach3Options, type GridSearchResult } from './approach3.js';
import { validateRuns, type Run } from './runs.js';

export interface ParallelFitOptions extends Approach3Options {
  /** Worker threads. Default: available parallelism (at most 8). */
  threads?: number;
}

/** fitApproach3 over worker threads (same result, less wall time on several idle cores). */
export async function fitApproach3Parallel(runs: readonly Run[], opts: ParallelFitOptions = {}): Promise<Approach3Fit> {
  validateRuns(runs);
  const reasons = identifiabilityProblems(runs);
  const threads = opts.threads ?? Math.min(availableParallelism(), 8);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads is ${threads}: give a positive integer`);
  const starts = gridStarts(opts.grid ?? HOFFMANN_GRID);
  const plain = runs.map((r) => ({ n: r.n, d: r.d, loss: r.loss }));
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, offset) =>
      runWorker({ runs: plain, starts, delta: opts.delta ?? 1e-3, lbfgs: opts.lbfgs ?? {}, offset, stride: threads }),
    ),
  );
  let best: GridSearchResult | undefined;
  let converged = 0;
  let total = 0;
  for (const p of parts) {
    converged += p.convergedStarts;
    total += p.totalStarts;
    if (p.bestStart >= 0 && (!best || p.objective < best.objective || (p.objective === best.objective && p.bestStart < best.bestStart))) best = p;
  }
  const merged: GridSearchResult = best
    ? { ...best, convergedStarts: converged, totalStarts: total }
    : { x: new Float64Array(5).fill(NaN), objective: Infinity, convergedStarts: 0, totalStarts: total, bestStart: -1 };
  return finishFit(runs, merged, reasons);
}

function runWorker(data: object): Promise<GridSearchResult> {
  return new Promise((resolve, reject) => {
    // The worker is TypeScript: register tsx's loader in it first, then import the worker module.
    const url = new URL('./grid-worker.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(url)}); })`;
    const w = new Worker(boot, { eval: true, workerData: data });
    w.once('message', (m: GridSearchResult) => resolve(m));
    w.once('error', (e) => reject(new Error(`grid worker failed: ${e.message}`, { cause: e })));
    w.once('exit', (code) => code !== 0 && reject(new Error(`grid worker exited with code ${code}`)));
  });
}
