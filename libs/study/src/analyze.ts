/**
 * The analysis of a study (one path for `equiscale fit --sweep`, `plot`, `demo` and the dashboard): the study
 * analysis of libs/scaling on the stored trials — per-family Approach-3 fits over every seed (seed-grouped
 * bootstrap) with the compute-optimal frontier from each run's own FLOPs, per-family IsoFLOP (Approach 2), data
 * scaling at convergence, the replication scorecard of the seed study's three claims — plus the sensitivity of
 * the verdicts to the FLOP convention (nominal, executed, wall-clock), the parameter convention (all, or
 * without input/output layers) and Huber δ, and the learning-rate choice of the study preset.
 */
import {
  analyzeStudy as analyzeStudyRuns,
  dataGroupKey,
  sensitivityAnalysis,
  type SensitivityConventions,
  type SensitivityReport,
  type StartGrid,
  type StudyAnalysis as RunsAnalysis,
  type StudyRoles,
  type StudyRun,
  type StudyRunsInput,
} from '@equiscale/scaling';
import { chooseLearningRates, type LrChoice } from './lr.js';
import { dataConvergence, studyInput, type DataConvergence, type StudyInput, type TrialRun } from './runs.js';
import { trialsFor, type Study } from './study.js';

export interface AnalyzeOptions {
  /** bootstrap resamples of every fit (0: none — then nothing is determined) */
  bootstrap: number;
  seed: number;
  /** start grid of the Approach-3 point fits (tests use a small one); default the 4500-start Hoffmann grid */
  grid?: StartGrid;
  /** recompute the verdicts under the other conventions (default true) */
  sensitivity?: boolean;
  onProgress?: (step: string) => void;
}

export interface StudyAnalysis {
  input: StudyRunsInput;
  roles: StudyRoles;
  /** fits, comparisons, IsoFLOP, data scaling, claims (libs/scaling analyzeStudy) */
  result: RunsAnalysis;
  sensitivity: SensitivityReport | null;
  /** why there is no sensitivity analysis (not asked, or it failed) */
  sensitivityNote?: string;
  /** learning-rate choices (study preset) */
  lr: LrChoice[];
  /** how the data-scaling runs' convergence was decided: the worker's early stopping, or the validation curve afterwards */
  convergence: DataConvergence;
}

export const EQUIVARIANT_FAMILY = 'gatr';

/** Which family is the equivariant one, and which data-scaling groups claim (1) compares. */
export function studyRoles(input: StudyRunsInput): StudyRoles {
  const families = [...new Set(input.compute.map((r) => r.family))];
  const equivariant = families.includes(EQUIVARIANT_FAMILY) ? EQUIVARIANT_FAMILY : (families[0] ?? EQUIVARIANT_FAMILY);
  const keys = new Set((input.data ?? []).map(dataGroupKey));
  const data = { equivariant: EQUIVARIANT_FAMILY, baseline: 'transformer', augmented: dataGroupKey({ family: 'transformer+augment', augmented: true }) };
  return { equivariant, ...(Object.values(data).every((k) => keys.has(k)) ? { data } : {}) };
}

/** The study analysis of plain runs (a CSV, or a study's runs). */
export function analyzeRuns(input: StudyRunsInput, opts: AnalyzeOptions): { result: RunsAnalysis; roles: StudyRoles } {
  const roles = studyRoles(input);
  const result = analyzeStudyRuns(input, { roles, resamples: opts.bootstrap, seed: opts.seed, grid: opts.grid, onProgress: opts.onProgress });
  return { result, roles };
}

/** Sensitivity conventions available for these runs: a convention every run has a number for. */
export function conventionsOf(input: StudyInput): SensitivityConventions {
  const all = [...input.compute, ...input.data];
  const has = (f: (r: TrialRun) => number) => all.length > 0 && all.every((r) => f(r) > 0 && Number.isFinite(f(r)));
  const run = (r: StudyRun) => r as TrialRun;
  const flops: SensitivityConventions['flops'] = { nominal: (r) => r.flops, executed: (r) => run(r).executedFlops };
  if (has((r) => r.wallS)) flops.wallclock = (r) => run(r).wallS;
  const n: SensitivityConventions['n'] = { total: (r) => r.n };
  if (has((r) => r.nNonEmbedding)) n['non-embedding'] = (r) => run(r).nNonEmbedding;
  return { flops, n, deltas: [1e-3, 1e-2, 1e-1] };
}

export function analyzeStudy(study: Study, opts: AnalyzeOptions): StudyAnalysis {
  const input = studyInput(study);
  const { result, roles } = analyzeRuns(input, opts);
  let sensitivity: SensitivityReport | null = null;
  let sensitivityNote: string | undefined;
  if (opts.sensitivity === false) sensitivityNote = 'not computed (turned off)';
  else if (input.compute.length === 0) sensitivityNote = 'no finished compute-scaling runs';
  else {
    opts.onProgress?.('sensitivity');
    try {
      sensitivity = sensitivityAnalysis(input, conventionsOf(input), { roles, resamples: opts.bootstrap, seed: opts.seed }, result);
    } catch (e) {
      sensitivityNote = `failed: ${(e as Error).message}`;
    }
  }
  return { input, roles, result, sensitivity, sensitivityNote, lr: chooseLearningRates(trialsFor(study, 'lr')), convergence: dataConvergence(study, input.data) };
}
