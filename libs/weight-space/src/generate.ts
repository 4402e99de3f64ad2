/**
 * Dataset generation: INR i of split s is fitted from its own random init to its own random wave, both drawn from
 * the keyed stream ('equiscale/weight-space/inr', GENERATOR_VERSION, seed, s, i). Splits are disjoint and
 * independent of how many INRs are generated (prefix-stable train stream). Bit-identical on every machine (see inr.ts).
 */
import type { WeightSpaceConfig, TargetName } from './config.js';
import { validateWeightSpaceConfig } from './config.js';
import { exactSin, fitInr, initInr, inrLayout } from './inr.js';
import { KeyedRng } from './rng.js';
import type { Split } from '@equiscale/benchmark';

export const GENERATOR_VERSION = 2;

/** A batch of INRs (row-major Float32). N = count, P = paramCount (flat layout of inr.ts), T = targetCount. */
export interface WeightSpaceExamples {
  count: number;
  /** [1, ...hidden, 1]: the INR architecture (the same for every example). */
  sizes: number[];
  paramCount: number;
  targetNames: TargetName[];
  /** (N, P) fitted INR parameters. */
  params: Float32Array;
  /**
   * (N, T) regression targets in targetNames order, each standardized by its sampling distribution (config-defined,
   * not data-defined): (value - (min + max) / 2) / ((max - min) / sqrt 12). Predicting the mean scores MSE ~ 1.
   */
  targets: Float32Array;
  /** (N, 3) the wave each INR was fitted to: frequency nu, amplitude A, phase phi. */
  waves: Float32Array;
  /** (N) final MSE of the fit on its sample points. */
  fitMse: Float32Array;
}

export function allocWeightSpaceExamples(count: number, sizes: number[], targetNames: TargetName[]): WeightSpaceExamples {
  const paramCount = inrLayout(sizes.slice(1, -1)).paramCount;
  return {
    count,
    sizes: sizes.slice(),
    paramCount,
    targetNames: targetNames.slice(),
    params: new Float32Array(count * paramCount),
    targets: new Float32Array(count * targetNames.length),
    waves: new Float32Array(count * 3),
    fitMse: new Float32Array(count),
  };
}

/** First-layer frequency scale of a sine INR: covers the highest wave frequency. */
export function sineFirstScale(cfg: WeightSpaceConfig): number {
  return 2 * 3.141592653589793 * Math.max(1, cfg.freqMax);
}

export function samplePoints(n: number): Float64Array {
  const xs = new Float64Array(n);
  for (let p = 0; p < n; p++) xs[p] = -1 + (2 * (p + 0.5)) / n;
  return xs;
}

/** The mean and standard deviation of a target's sampling distribution (uniform on [min, max]; std 1 if min = max). */
export function targetScale(cfg: WeightSpaceConfig, target: TargetName): { mean: number; std: number } {
  const [lo, hi] = target === 'frequency' ? [cfg.freqMin, cfg.freqMax] : [cfg.ampMin, cfg.ampMax];
  return { mean: (lo + hi) / 2, std: hi > lo ? (hi - lo) / Math.sqrt(12) : 1 };
}

export function standardizeTarget(cfg: WeightSpaceConfig, target: TargetName, value: number): number {
  const { mean, std } = targetScale(cfg, target);
  return (value - mean) / std;
}

/** INRs [start, start + count) of a split. */
export function generateWeightSpaceExamples(
  config: WeightSpaceConfig,
  split: Split,
  start: number,
  count: number,
  onProgress?: (done: number, total: number) => void,
): WeightSpaceExamples {
  const cfg = validateWeightSpaceConfig(config);
  const layout = inrLayout(cfg.hidden);
  const ex = allocWeightSpaceExamples(count, layout.sizes, cfg.targets);
  const xs = samplePoints(cfg.points);
  const ys = new Float64Array(cfg.points);
  const T = cfg.targets.length;
  for (let n = 0; n < count; n++) {
    const rng = new KeyedRng('equiscale/weight-space/inr', GENERATOR_VERSION, cfg.seed, split, start + n);
    const nu = rng.uniform(cfg.freqMin, cfg.freqMax);
    const amp = rng.uniform(cfg.ampMin, cfg.ampMax);
    const phase = rng.uniform(0, 2 * 3.141592653589793);
    for (let p = 0; p < cfg.points; p++) ys[p] = amp * exactSin(2 * 3.141592653589793 * nu * xs[p] + phase);
    const w = initInr(layout, cfg.activation, () => rng.next(), sineFirstScale(cfg));
    const mse = fitInr(w, layout, cfg.activation, xs, ys, cfg.fitSteps, cfg.fitLr);
    ex.params.set(w, n * layout.paramCount);
    ex.waves[3 * n] = nu;
    ex.waves[3 * n + 1] = amp;
    ex.waves[3 * n + 2] = phase;
    ex.fitMse[n] = mse;
    for (let t = 0; t < T; t++) ex.targets[n * T + t] = standardizeTarget(cfg, cfg.targets[t], cfg.targets[t] === 'frequency' ? nu : amp);
    onProgress?.(n + 1, count);
  }
  return ex;
}
