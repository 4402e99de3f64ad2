/**
 * How long a trial takes on this machine, from its plan: a fixed cost per trial (claim, dataset, model build,
 * final evaluation), a cost per training step per layer by architecture — TensorFlow.js op dispatch, not
 * arithmetic, dominates these small models: a GATr block is ~100 small ops (geometric products, 16-component
 * multivectors), a transformer layer ~15 — and the executed FLOPs at a throughput. `sweep plan` sums it for its
 * estimate; the demo's live ETA weighs trials by it (a GATr step costs several transformer steps), crediting
 * running trials with the steps they reported, and rescales it by the time the finished work actually took.
 *
 * Calibrated on this 2-core machine, 2 workers, wasm backend with OpenBLAS matmuls, to the demo's measured wall
 * time with other work beside it (8.8 min; 6.0 on a quiet machine): per step 2 ms per transformer layer, 13 ms
 * per GATr block, plus executed FLOPs at 1.36e10/s, plus 8 ms per step of augmentation (measured on the study's
 * WSD trunks: transformer+augment 26–28 s against transformer 12 s for 1600 steps), plus 1.5 s per trial; the same constants reproduce the quick
 * demo's trials within ~30%. Speed follows the machine's load: a calibration sweep (transformer and GATr at 5
 * sizes × 300 steps, batch 32) at load average ≈ 10 on these 2 cores ran 5–8× slower (transformer 15 ms per
 * layer-step, GATr 105 ms per block-step) — the live ETA of the demo corrects for that as trials finish.
 *
 * A trial with early stopping (training.earlyStopping) is estimated at its step cap: an upper bound, since it may stop
 * sooner (how much sooner is what the run measures). Its evaluations of the whole validation split every evalEvery
 * steps are not counted (the study's data runs: 20 evaluations of 256 examples per 2000 steps of batch 32, a few
 * per cent); the live ETA corrects for both as trials finish.
 */
import type { Trial } from '@equiscale/sweeps';

/** Executed FLOPs a worker gets through per second, beyond the per-layer step cost. */
export const EXECUTED_FLOPS_PER_S = 1.36e10;
/** Seconds per training step per layer (transformer layer, GATr block), besides the FLOPs. */
export const STEP_LAYER_S: Record<'transformer' | 'gatr', number> = { transformer: 0.002, gatr: 0.0132 };
/** Seconds per training step for data augmentation (random E(3) transforms of a batch of 32; scaled by batch size). */
export const AUGMENT_STEP_S = 0.008;
/** Seconds per trial: claim, dataset load, model build, final validation and test evaluation. */
export const TRIAL_OVERHEAD_S = 1.5;

const layers = (t: Pick<Trial, 'dims'>) => t.dims.transformer?.depth ?? t.dims.gatr?.blocks ?? 1;

/** Training steps the sweep itself runs for a trial (a WSD branch runs its cooldown only). */
export function stepsRun(t: Pick<Trial, 'steps' | 'role' | 'branchStep'>): number {
  return t.role === 'branch' && t.branchStep !== undefined ? t.steps - t.branchStep : t.steps;
}

/** Estimated seconds of one trial on one worker, from `fromStep` (progress already made) to its end. */
export function trialSeconds(t: Pick<Trial, 'steps' | 'role' | 'branchStep' | 'modelFamily' | 'plan' | 'dims' | 'augment' | 'training'>, fromStep = 0): number {
  const run = stepsRun(t);
  const start = t.role === 'branch' && t.branchStep !== undefined ? t.branchStep : 0;
  const left = Math.max(0, run - Math.max(0, fromStep - start));
  const perStep =
    // weight-space architectures (mlp, dwsnet) have no measured per-layer cost: executed FLOPs only
    ((STEP_LAYER_S as Record<string, number>)[t.modelFamily] ?? 0) * layers(t) + t.plan.executedFlops / t.steps / EXECUTED_FLOPS_PER_S + (t.augment ? (AUGMENT_STEP_S * t.training.batchSize) / 32 : 0);
  return (left === run ? TRIAL_OVERHEAD_S : 0) + left * perStep;
}

/** Wall seconds for trials on `workers` workers (perfect packing: a lower bound the demo's ETA then corrects). */
export function sweepSeconds(trials: readonly Pick<Trial, 'steps' | 'role' | 'branchStep' | 'modelFamily' | 'plan' | 'dims' | 'augment' | 'training'>[], workers: number): number {
  return trials.reduce((a, t) => a + trialSeconds(t), 0) / Math.max(1, workers);
}

/**
 * ETA from progress weighted by cost: the estimated worker-seconds still to run (`left`) over the workers, times
 * a speed factor — how much longer the finished work took than estimated (elapsed × workers / `done`), trusted in
 * proportion to the share of the work done (early on, start-up and dataset generation would dominate it).
 */
export function costWeightedEta(elapsedS: number, done: number, left: number, workers: number): number | null {
  if (left <= 0) return 0;
  const planned = left / Math.max(1, workers);
  if (done <= 0 || elapsedS <= 0) return planned;
  const w = done / (done + left);
  return planned * (w * ((elapsedS * Math.max(1, workers)) / done) + (1 - w));
}
