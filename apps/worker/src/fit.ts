/** Whether a trial fits this worker, and how many worker processes a machine should run. */
import { availableParallelism, totalmem } from 'node:os';
import type { Trial } from '@equiscale/sweeps';
import { estimateTrialBytes } from './trainer.js';

/**
 * How many worker processes to run on this machine: one per core for the single-threaded backends (cpu, wasm,
 * sleep), one for the native TensorFlow backend (it uses every core, or the GPU, by itself).
 */
export function workerProcessCount(backend: string): number {
  return backend === 'tensorflow' ? 1 : availableParallelism();
}

/** Why this worker cannot take `trial`, or null. */
export function fitProblem(trial: Trial, opts: { maxParamCount?: number; memoryBudgetBytes?: number }): string | null {
  if (opts.maxParamCount && trial.plan.paramCount > opts.maxParamCount) {
    return `the model has ${trial.plan.paramCount} parameters, more than this worker's limit of ${opts.maxParamCount} (--max-params); run it on a worker with a larger limit`;
  }
  const budget = opts.memoryBudgetBytes ?? Math.floor(totalmem() / availableParallelism());
  const need = estimateTrialBytes(trial);
  if (need > budget) {
    const mb = (x: number) => `${Math.ceil(x / 2 ** 20)} MiB`;
    return `the model needs at least ${mb(need)} (${trial.plan.paramCount} parameters × 20 bytes of weights, gradients and optimizer state) but this worker's memory budget is ${mb(budget)}; run it on a worker with more memory (--memory-budget)`;
  }
  return null;
}
