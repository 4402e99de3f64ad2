/**
 * What a benchmark config asks of a model: per split, how many examples contain a contact within the horizon
 * (any, and body–body), and the trivial predictors' losses (baselines.ts). `equiscale benchmark stats` prints it.
 */
import { baselineLosses, type BaselineLosses } from './baselines.js';
import { validateBenchmarkConfig } from './config.js';
import { generateExamples, SPLITS, type Split } from './generate.js';
import { CONTACT_BODY, CONTACT_FLOOR, TOUCH_BODY, TOUCH_FLOOR } from './simulate.js';
import type { BenchmarkConfig } from './types.js';

export interface SplitStats {
  examples: number;
  /**
   * share of examples with a contact (body–floor or body–body) of a moving body in the steps into frames
   * t+1 .. t+h (bodies lying still on the floor do not count; see REST_SPEED in simulate.ts)
   */
  contactShare: number;
  /** share of examples with a body–body contact (one of the two moving) in those steps */
  bodyBodyContactShare: number;
  /** share of examples where anything touches in those steps, bodies at rest on the floor included */
  touchShare: number;
  baselines: BaselineLosses;
}

export interface BenchmarkStats {
  splits: Record<Split, SplitStats>;
  /** horizon h and past offset k (frames), dt (s): the horizon is h * dt seconds */
  horizon: number;
  pastOffset: number;
  dt: number;
  /** the symmetry-breaking wind (BenchmarkConfig.windStrength, m/s^2 at scale 0.5 m; 0 = none, today's physics) */
  windStrength: number;
  /** seconds spent generating (simulation included) */
  generationSeconds: number;
}

/** Contact shares of per-example contact bits (see GenerateOptions.contacts). */
export function contactShares(bits: Uint8Array): { contactShare: number; bodyBodyContactShare: number; touchShare: number } {
  if (bits.length === 0) return { contactShare: 0, bodyBodyContactShare: 0, touchShare: 0 };
  let any = 0;
  let body = 0;
  let touch = 0;
  for (const b of bits) {
    if (b & (CONTACT_FLOOR | CONTACT_BODY)) any++;
    if (b & CONTACT_BODY) body++;
    if (b & (TOUCH_FLOOR | TOUCH_BODY)) touch++;
  }
  return { contactShare: any / bits.length, bodyBodyContactShare: body / bits.length, touchShare: touch / bits.length };
}

/** Generates each split (train: the first `trainSize` examples) and measures it. */
export async function benchmarkStats(config: BenchmarkConfig, opts: { trainSize: number }): Promise<BenchmarkStats> {
  const cfg = validateBenchmarkConfig(config);
  if (!Number.isInteger(opts.trainSize) || opts.trainSize < 0) throw new Error(`benchmarkStats: trainSize must be an integer >= 0 (got ${opts.trainSize})`);
  const sizes: Record<Split, number> = { train: opts.trainSize, val: cfg.valExamples, test: cfg.testExamples };
  const t0 = performance.now();
  const splits = {} as Record<Split, SplitStats>;
  for (const split of SPLITS) {
    const n = sizes[split];
    const bits = new Uint8Array(n);
    const ex = await generateExamples(cfg, split, 0, n, { contacts: bits });
    splits[split] = {
      examples: n,
      ...contactShares(bits),
      baselines: n > 0 ? baselineLosses(ex, cfg.pastOffset, cfg.horizon) : { noMotion: 0, constantVelocity: 0 },
    };
  }
  return { splits, horizon: cfg.horizon, pastOffset: cfg.pastOffset, dt: cfg.dt, windStrength: cfg.windStrength ?? 0, generationSeconds: (performance.now() - t0) / 1000 };
}
