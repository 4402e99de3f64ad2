/**
 * Input preparation shared by every family, in TypeScript: each parameter block (W_l or b_l of the INR) is
 * standardized by its mean and standard deviation over the training set (one scalar pair per block, so the
 * statistics are themselves permutation-invariant), and targets are predicted as mean + std * output.
 */
import type { WeightSpaceExamples } from '../generate.js';
import { inrLayout } from '../inr.js';

export interface InputStats {
  /** per block, in layout order W_0, b_0, W_1, b_1, ... */
  blockMean: number[];
  blockStd: number[];
  targetMean: number[];
  targetStd: number[];
}

/** Block ranges [start, end) of the flat INR layout, in order W_0, b_0, W_1, b_1, ... */
export function blockRanges(sizes: readonly number[]): [number, number][] {
  const lay = inrLayout(sizes.slice(1, -1));
  const out: [number, number][] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    out.push([lay.wOffset[l], lay.bOffset[l]]);
    out.push([lay.bOffset[l], lay.bOffset[l] + sizes[l + 1]]);
  }
  return out;
}

export function inputStats(train: WeightSpaceExamples): InputStats {
  if (train.count === 0) throw new Error('inputStats: the training set is empty');
  const blocks = blockRanges(train.sizes);
  const P = train.paramCount;
  const blockMean: number[] = [];
  const blockStd: number[] = [];
  for (const [a, b] of blocks) {
    let s = 0;
    let s2 = 0;
    for (let n = 0; n < train.count; n++) {
      for (let i = a; i < b; i++) {
        const x = train.params[n * P + i];
        s += x;
        s2 += x * x;
      }
    }
    const cnt = train.count * (b - a);
    const mean = s / cnt;
    blockMean.push(mean);
    blockStd.push(Math.sqrt(Math.max(s2 / cnt - mean * mean, 0)) || 1);
  }
  const T = train.targetNames.length;
  const targetMean: number[] = [];
  const targetStd: number[] = [];
  for (let t = 0; t < T; t++) {
    let s = 0;
    let s2 = 0;
    for (let n = 0; n < train.count; n++) {
      const y = train.targets[n * T + t];
      s += y;
      s2 += y * y;
    }
    const mean = s / train.count;
    targetMean.push(mean);
    targetStd.push(Math.sqrt(Math.max(s2 / train.count - mean * mean, 0)) || 1);
  }
  return { blockMean, blockStd, targetMean, targetStd };
}

/** (N, P) standardized parameters. */
export function standardizedParams(ex: WeightSpaceExamples, stats: InputStats): Float32Array {
  const out = new Float32Array(ex.params.length);
  const P = ex.paramCount;
  const blocks = blockRanges(ex.sizes);
  for (let n = 0; n < ex.count; n++) {
    blocks.forEach(([a, b], k) => {
      const m = stats.blockMean[k];
      const s = stats.blockStd[k];
      for (let i = a; i < b; i++) out[n * P + i] = (ex.params[n * P + i] - m) / s;
    });
  }
  return out;
}
