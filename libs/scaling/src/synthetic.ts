/** Synthetic runs from a known law, for tests, demos and checking recovery. */
import { predictLoss, type LawParams } from './approach3.js';
import { makeRng, type Rng } from './rng.js';
import type { Run } from './runs.js';

export interface SyntheticOptions {
  /** Model sizes N. */
  nSizes: readonly number[];
  /** Data sizes D (every N is paired with every D). */
  dSizes: readonly number[];
  /** Standard deviation of the log-normal noise on the loss. Default 0.01. */
  noise?: number;
  family?: string;
  /** Adds c = κ·n·d when given. */
  kappa?: number;
  /** Seed or generator. */
  rng?: number | Rng;
}

/** Runs on the grid nSizes × dSizes with loss = L(N, D)·exp(σ·z), z standard normal. */
export function synthesizeRuns(law: LawParams, opts: SyntheticOptions): Run[] {
  const rng = typeof opts.rng === 'object' ? opts.rng : makeRng(opts.rng ?? 1);
  const sigma = opts.noise ?? 0.01;
  const out: Run[] = [];
  for (const n of opts.nSizes)
    for (const d of opts.dSizes) {
      const r: Run = { n, d, loss: predictLoss(law, n, d) * Math.exp(sigma * rng.normal()) };
      if (opts.family !== undefined) r.family = opts.family;
      if (opts.kappa !== undefined) r.c = opts.kappa * n * d;
      out.push(r);
    }
  return out;
}
