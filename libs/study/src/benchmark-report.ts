/**
 * What the report says that depends on the study's benchmark (libs/sweeps benchmarks.ts): its name and loss, the
 * trivial predictors it is measured against, the FLOP convention of its accounting, and, for the weight-space
 * benchmark, the scorecard of what the seed paper (Navon et al. 2023, DWSNets) claims there, checked against the
 * observed losses at matched compute.
 */
import { benchmarkKindOf, WEIGHT_SPACE_FLOP_CONVENTION, type BenchmarkKind } from '@equiscale/sweeps';
import type { TrialRecord } from '@equiscale/sweeps';
import type { Study } from './study.js';

/** The FLOP convention of the rigid-body accounting (libs/models). */
export const RIGID_BODY_FLOP_CONVENTION =
  'C = nominal training FLOPs (forward + backward) in the authors’ convention (gatr-spec.md section 5): 6 FLOPs per FLOP-relevant weight per token; attention-score matmuls, norms and elementwise ops not counted';

const num = (x: number, d = 3) => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x));
const sci = (x: number, d = 2) => (Number.isFinite(x) ? x.toExponential(d).replace('e+', 'e') : String(x));

export function studyBenchmarkKind(study: Pick<Study, 'benchmark'>): BenchmarkKind {
  return benchmarkKindOf(study.benchmark);
}

export function flopConventionOf(kind: BenchmarkKind): string {
  return kind === 'weight-space' ? `C = nominal training FLOPs (libs/weight-space accounting): ${WEIGHT_SPACE_FLOP_CONVENTION}` : RIGID_BODY_FLOP_CONVENTION;
}

/** One line naming the benchmark and what its loss measures. */
export function benchmarkLine(study: Study): string {
  const kind = studyBenchmarkKind(study);
  if (kind === 'weight-space') {
    const b = study.benchmark as { hidden?: number[]; targets?: string[]; activation?: string } | undefined;
    return (
      `Benchmark: **weight-space** (libs/weight-space): regress ${b?.targets?.join(' and ') ?? 'the wave parameters'} of the sine wave an INR ` +
      `1-${b?.hidden?.join('-') ?? '?'}-1 (${b?.activation ?? 'sine'}) was fitted to, from its weights; symmetry: permutations of the INRs' hidden neurons. ` +
      'Loss: MSE over standardized targets (predicting the mean scores about 1).'
    );
  }
  return 'Benchmark: **rigid-body** (libs/rigid-body): predict the future vertex positions of colliding rigid bodies; symmetry: E(3). Loss: MSE over vertex coordinates.';
}

/** The trivial predictors' sentence, or null when none was measured. */
export function baselineSentence(study: Study): string | null {
  const b = study.baselines;
  if (!b) return null;
  if (studyBenchmarkKind(study) === 'weight-space') {
    return b.predictMean === undefined ? null : `For scale: on the same test set, predicting the training mean of every target gives loss ${num(b.predictMean, 4)}.`;
  }
  return `For scale: on the same test set, predicting no motion gives loss ${num(b.noMotion, 4)} and extrapolating at constant velocity gives ${num(b.constantVelocity, 4)}.`;
}

const done = (t: TrialRecord) => t.status === 'completed' && t.trial.role !== 'trunk' && t.testLoss !== null && Number.isFinite(t.testLoss);

/** Model selection uses validation, never the test loss (a trial without a validation loss falls back to test). */
const selectionLoss = (t: TrialRecord) => (t.valLoss !== null && Number.isFinite(t.valLoss) ? t.valLoss : t.testLoss!);

/**
 * The run a family would pick with at most `c` nominal training FLOPs: among its finished runs that cheap, at its
 * largest training-set size (as the fits), the one with the lowest validation loss (null: no run that cheap).
 */
export function bestWithin(trials: readonly TrialRecord[], family: string, c: number): TrialRecord | null {
  const own = trials.filter((t) => t.trial.family === family && done(t));
  const n = Math.max(0, ...own.map((t) => t.trial.trainSize));
  return own
    .filter((t) => t.trial.trainSize === n && t.trial.plan.nominalFlops <= c * (1 + 1e-9))
    .reduce<TrialRecord | null>((b, t) => (!b || selectionLoss(t) < selectionLoss(b) ? t : b), null);
}

/**
 * Matched compute: budgets every family can spend (up to the smallest of the families' largest runs, at each
 * family's largest training-set size), and the run each family picks on validation within each budget (bestWithin).
 * Observed, single runs, no fit.
 */
export function matchedCompute(study: Study): { families: string[]; budgets: number[]; best: (TrialRecord | null)[][] } {
  const families = [...new Set(study.trials.map((t) => t.trial.family))];
  const runs = (f: string) => {
    const own = study.trials.filter((t) => t.trial.family === f && done(t));
    const n = Math.max(0, ...own.map((t) => t.trial.trainSize));
    return own.filter((t) => t.trial.trainSize === n).map((t) => t.trial.plan.nominalFlops);
  };
  const maxC = families.map((f) => Math.max(0, ...runs(f)));
  const minC = families.map((f) => Math.min(Infinity, ...runs(f)));
  const hi = Math.min(...maxC);
  const lo = Math.max(...minC);
  if (!(hi > 0) || !(lo <= hi)) return { families, budgets: [], best: [] };
  const budgets = lo === hi ? [hi] : [lo, Math.sqrt(lo * hi), hi];
  return { families, budgets, best: budgets.map((c) => families.map((f) => bestWithin(study.trials, f, c))) };
}

export function matchedComputeMarkdown(study: Study): string[] {
  const m = matchedCompute(study);
  if (m.budgets.length === 0 || m.families.length < 2) return [];
  const L = [
    '## Families at matched compute',
    '',
    'Each family at a compute budget C: among its runs at its largest training-set size that spent at most C nominal training FLOPs, the one with the lowest validation loss; its validation / test loss (observed, single runs, no fit; size and steps in brackets):',
    '',
    `| C (FLOPs) | ${m.families.join(' | ')} |`,
    `|---|${m.families.map(() => '---').join('|')}|`,
  ];
  m.budgets.forEach((c, i) => {
    const cell = (t: TrialRecord | null) => (t ? `${t.valLoss === null ? '-' : num(t.valLoss, 4)} / ${num(t.testLoss!, 4)} (${t.trial.sizeLabel}, ${t.trial.steps} steps)` : '-');
    L.push(`| ${sci(c)} | ${m.best[i].map(cell).join(' | ')} |`);
  });
  L.push('');
  return L;
}

export interface ScorecardRow {
  claim: string;
  /** 'holds', 'does not hold', 'within noise' (losses within 2% of each other: single runs cannot tell), or 'not tested' (a family missing) */
  verdict: 'holds' | 'does not hold' | 'within noise' | 'not tested';
  evidence: string;
}

/**
 * The seed paper's claims for this setting (Navon et al. 2023, INR property regression): DWSNet is far better than
 * an MLP on the flattened weights, with or without permutation augmentation; augmentation helps the MLP only a
 * little; and DWSNet learns something (beats the mean predictor). Checked at the largest matched compute budget.
 */
export function weightSpaceScorecard(study: Study): ScorecardRow[] {
  const m = matchedCompute(study);
  const at = m.budgets.length - 1;
  const loss = (f: string): number | null => {
    const i = m.families.indexOf(f);
    const t = at >= 0 && i >= 0 ? m.best[at][i] : null;
    return t ? t.testLoss! : null;
  };
  const budget = at >= 0 ? ` at C ≤ ${sci(m.budgets[at])} FLOPs` : '';
  const cmp = (claim: string, a: string, b: string, margin = 1): ScorecardRow => {
    // a difference of under 2% is within the spread of single runs: reported as such, not as a verdict
    const la = loss(a);
    const lb = loss(b);
    if (la === null || lb === null) return { claim, verdict: 'not tested', evidence: `no finished ${la === null ? a : b} run within a matched budget` };
    const verdict = Math.abs(la - lb) <= 0.02 * lb ? 'within noise' : la < lb * margin ? 'holds' : 'does not hold';
    return { claim, verdict, evidence: `test loss ${a} ${num(la, 4)} vs ${b} ${num(lb, 4)}${budget}` };
  };
  const rows = [
    cmp('DWSNet reaches a lower loss than the MLP on the flattened weights', 'dwsnet', 'mlp'),
    cmp('DWSNet reaches a lower loss than the MLP with permutation augmentation', 'dwsnet', 'mlp+permute'),
    cmp('permutation augmentation helps the MLP (a little)', 'mlp+permute', 'mlp'),
  ];
  const mean = study.baselines?.predictMean;
  const ld = loss('dwsnet');
  rows.push(
    mean === undefined || ld === null
      ? { claim: 'DWSNet learns the property from the weights (below the train-mean predictor)', verdict: 'not tested', evidence: mean === undefined ? 'no baseline measured' : 'no finished dwsnet run' }
      : { claim: 'DWSNet learns the property from the weights (below the train-mean predictor)', verdict: ld < mean ? 'holds' : 'does not hold', evidence: `test loss dwsnet ${num(ld, 4)} vs predicting the mean ${num(mean, 4)}${budget}` },
  );
  return rows;
}

export function scorecardMarkdown(study: Study): string[] {
  if (studyBenchmarkKind(study) !== 'weight-space') return [];
  const rows = weightSpaceScorecard(study);
  return [
    '## Scorecard: the seed paper’s claims for this setting',
    '',
    'Navon et al. 2023 (DWSNets), INR property regression; checked on the test losses of the runs each family picks on validation at the largest matched compute budget below (single runs: differences under 2% are reported as within noise).',
    '',
    '| claim | verdict | evidence |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.claim} | **${r.verdict}** | ${r.evidence} |`),
    '',
  ];
}
