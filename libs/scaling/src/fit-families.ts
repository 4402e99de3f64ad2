/**
 * One call for the CLI: fit every family of a run table (approach 3), cross-check by variable projection,
 * optionally bootstrap, and derive the compute-optimal allocation. Results are plain JSON-able objects.
 */
import { fitApproach3, type Approach3Fit, type Approach3Options } from './approach3.js';
import { bootstrapFit, type BootstrapOptions, type BootstrapResult } from './bootstrap.js';
import { allocationExponents, computeFrontier, estimateKappa, type Allocation, type OptimalPoint } from './frontier.js';
import { groupByFamily, validateRuns, type Run } from './runs.js';
import { crossCheck, DEFAULT_CROSS_CHECK_TOLERANCE, type CrossCheck } from './vpnls.js';

export interface FitFamiliesOptions {
  approach3?: Approach3Options;
  /** Number of bootstrap resamples (0 = none, the default) or full bootstrap options. */
  bootstrap?: number | Omit<BootstrapOptions, 'kappa' | 'onProgress'>;
  /** FLOPs per parameter per sample, one for all or per family; default: median c/(n·d) of the family's runs. */
  kappa?: number | Record<string, number>;
  /** Compute budgets (FLOPs) at which to report N_opt, D_opt, L_opt. */
  budgets?: readonly number[];
  /** Variable-projection cross-check: false to skip, or a relative tolerance. Default DEFAULT_CROSS_CHECK_TOLERANCE. */
  crossCheck?: boolean | number;
  onProgress?: (family: string, done: number, total: number) => void;
}

export interface FamilyFitResult {
  family: string;
  fit: Approach3Fit;
  allocation: Allocation;
  /** Present when κ was given or could be estimated from c. */
  kappa?: number;
  frontier?: OptimalPoint[];
  crossCheck?: CrossCheck;
  bootstrap?: BootstrapResult;
}

export function fitFamilies(runs: readonly Run[], opts: FitFamiliesOptions = {}): FamilyFitResult[] {
  validateRuns(runs);
  if (runs.length === 0) throw new Error('no runs to fit: give at least 5 runs per family');
  const out: FamilyFitResult[] = [];
  for (const [family, fr] of groupByFamily(runs)) {
    let fit: Approach3Fit;
    try {
      fit = fitApproach3(fr, opts.approach3);
    } catch (e) {
      throw new Error(`family "${family}": ${(e as Error).message}`, { cause: e });
    }
    const res: FamilyFitResult = { family, fit, allocation: allocationExponents(fit) };
    const kappa =
      typeof opts.kappa === 'number' ? opts.kappa : opts.kappa?.[family] ?? (fr.some((r) => r.c !== undefined) ? estimateKappa(fr) : undefined);
    if (kappa !== undefined) {
      if (!(kappa > 0)) throw new Error(`kappa for family "${family}" is ${kappa}: give a positive number of FLOPs per parameter per sample`);
      res.kappa = kappa;
      if (opts.budgets?.length) res.frontier = computeFrontier(fit, kappa, opts.budgets);
    }
    if (opts.crossCheck !== false && fit.convergedStarts > 0) {
      const tol = typeof opts.crossCheck === 'number' ? opts.crossCheck : DEFAULT_CROSS_CHECK_TOLERANCE;
      res.crossCheck = crossCheck(fit, fr, tol);
    }
    const bo = typeof opts.bootstrap === 'number' ? { resamples: opts.bootstrap } : opts.bootstrap;
    if (bo && (bo.resamples ?? 1000) > 0 && fit.convergedStarts > 0) {
      res.bootstrap = bootstrapFit(fr, fit, {
        ...bo,
        kappa,
        budgets: kappa !== undefined ? bo.budgets ?? opts.budgets : undefined,
        onProgress: opts.onProgress ? (d, t) => opts.onProgress!(family, d, t) : undefined,
      });
    }
    out.push(res);
  }
  return out;
}
