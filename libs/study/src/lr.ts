/**
 * The learning-rate choice of a study: per family, the peak learning rate whose runs of the learning-rate sweep
 * (the two smallest model sizes, every seed) reached the lowest validation loss — geometric mean over its
 * (size, seed) cells, never the test loss. The chosen value is used for the family's other runs and written in
 * the report.
 */
import type { TrialRecord } from '@equiscale/sweeps';

export interface LrCandidate {
  peak: number;
  /** finished runs with a validation loss */
  runs: number;
  /** geometric mean validation loss over them */
  valLoss: number;
}

export interface LrChoice {
  family: string;
  chosen: number;
  candidates: LrCandidate[];
  /** sizes the sweep ran (labels) */
  sizes: string[];
  /** why a candidate was not usable, e.g. runs diverged */
  notes: string[];
}

/**
 * Chooses a peak learning rate per family from learning-rate sweep trials. A peak only counts when every one of
 * its cells finished (a diverged run is a loss of +∞, not a missing value); families with no usable peak are
 * left out (the caller keeps its default).
 */
export function chooseLearningRates(trials: readonly TrialRecord[]): LrChoice[] {
  const byFamily = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    if (t.trial.role === 'trunk') continue;
    byFamily.set(t.trial.family, [...(byFamily.get(t.trial.family) ?? []), t]);
  }
  const out: LrChoice[] = [];
  for (const [family, ts] of byFamily) {
    const peaks = [...new Set(ts.map((t) => t.trial.training.lr.peak))].sort((a, b) => a - b);
    const candidates: LrCandidate[] = [];
    const notes: string[] = [];
    for (const peak of peaks) {
      const at = ts.filter((t) => t.trial.training.lr.peak === peak);
      const bad = at.filter((t) => t.status !== 'completed' || !(t.valLoss !== null && t.valLoss > 0 && Number.isFinite(t.valLoss)));
      if (bad.length) {
        notes.push(`peak ${peak}: ${bad.length} of ${at.length} runs ${bad.some((t) => t.status === 'diverged') ? 'diverged or ' : ''}did not finish with a validation loss`);
        continue;
      }
      const valLoss = Math.exp(at.reduce((a, t) => a + Math.log(t.valLoss!), 0) / at.length);
      candidates.push({ peak, runs: at.length, valLoss });
    }
    if (!candidates.length) continue;
    const best = candidates.reduce((b, c) => (c.valLoss < b.valLoss ? c : b));
    out.push({ family, chosen: best.peak, candidates, sizes: [...new Set(ts.map((t) => t.trial.sizeLabel))], notes });
  }
  return out;
}
