/**
 * The study's figures in the seed study's style, from the study analysis' plain results:
 * Fig. 1 loss vs compute with own-FLOPs frontiers and bootstrap bands, Fig. 2 loss vs training-set size at
 * convergence with and without augmentation, Fig. 3 per-family IsoFLOP profiles with compute-optimal N and D,
 * and learning curves grouped readably (one panel per family, colour by model size — no per-trial legend).
 */
import type { StudyFamilyFit } from '../study/fit.js';
import type { IsoFlopStudyFit } from '../study/isoflop.js';
import { dataLoss, type DataScalingFit } from '../study/data-scaling.js';
import type { StudyRun } from '../study/types.js';
import { percentileInterval } from '../rng.js';
import { logSpace } from '../frontier.js';
import { plotLossVsCompute, type LossVsComputeData } from './plots.js';
import { renderVegaLite, requirePositive, type PlotOptions, type PlotOutput } from './render.js';

const logQ = (field: string, title: string, format = '~g') => ({ field, type: 'quantitative' as const, scale: { type: 'log' as const }, axis: { title, format } });
const familyColor = { field: 'family', type: 'nominal', title: 'Family' };

/** Fig. 1 data: every run at its own FLOPs, each family's own-FLOPs frontier with its bootstrap band. */
export function studyComputeFigureData(runs: readonly StudyRun[], fits: readonly StudyFamilyFit[]): LossVsComputeData {
  return {
    runs: runs.map((r) => ({ family: r.family, c: r.flops, loss: r.loss })),
    frontiers: fits.map((f) => ({
      family: f.family,
      points: f.frontier.map((p) => ({ c: p.c, loss: p.loss, ...(p.lossInterval ? { lo: p.lossInterval.lo, hi: p.lossInterval.hi } : {}) })),
    })),
  };
}

/** Fig. 1: test loss vs training compute (each run's own FLOPs), frontiers with 95% bands. */
export function plotStudyLossVsCompute(runs: readonly StudyRun[], fits: readonly StudyFamilyFit[], opts: PlotOptions = {}): Promise<PlotOutput> {
  return plotLossVsCompute(studyComputeFigureData(runs, fits), { name: 'fig1-loss-vs-compute', ...opts });
}

/** Fig. 2: loss at convergence vs training-set size per family, solid without / dashed with augmentation, fitted curves with bands. */
export async function plotStudyDataScaling(fits: readonly DataScalingFit[], opts: PlotOptions & { level?: number } = {}): Promise<PlotOutput> {
  const aug = (f: DataScalingFit) => (f.augmented ? 'with augmentation' : 'without augmentation');
  const pts = fits.flatMap((f) =>
    f.sizes.map((s, i) => {
      requirePositive(s.loss, `${f.key} size ${i} loss`);
      return { family: f.family, augmentation: aug(f), d: s.trainSize, loss: s.loss, epochs: s.epochsMedian };
    }),
  );
  const curves = fits.flatMap((f) => {
    const ds = f.sizes.map((s) => s.trainSize);
    if (ds.length < 2) return [];
    const k = f.samples.beta.length;
    return logSpace(Math.min(...ds), Math.max(...ds), 30).map((d) => {
      const loss = dataLoss({ E: f.E.estimate, B: f.B.estimate, beta: f.beta.estimate }, d);
      const row: Record<string, unknown> = { family: f.family, augmentation: aug(f), group: f.key, d, loss };
      if (k > 1) {
        const iv = percentileInterval(Array.from({ length: k }, (_, i) => dataLoss({ E: f.samples.E[i], B: f.samples.B[i], beta: f.samples.beta[i] }, d)), opts.level ?? 0.95);
        row.lo = iv.lo;
        row.hi = iv.hi;
      }
      return row;
    });
  });
  const x = logQ('d', 'Training-set size (samples)', '~e');
  const y = logQ('loss', 'Test loss at convergence (MSE)');
  const order = ['without augmentation', 'with augmentation'];
  const dash = { field: 'augmentation', type: 'nominal', title: 'Augmentation', scale: { domain: order, range: [[1, 0], [6, 4]] } };
  const shape = { field: 'augmentation', type: 'nominal', title: 'Augmentation', scale: { domain: order, range: ['circle', 'square'] } };
  const layer: object[] = [];
  const band = curves.filter((r) => typeof r.lo === 'number' && (r.lo as number) > 0);
  if (band.length) layer.push({ data: { values: band }, mark: { type: 'area', opacity: 0.15 }, encoding: { x, y: logQ('lo', 'Test loss at convergence (MSE)'), y2: { field: 'hi' }, color: familyColor, detail: { field: 'group' } } });
  layer.push({ data: { values: curves }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color: familyColor, strokeDash: dash, detail: { field: 'group' } } });
  layer.push({ data: { values: pts }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y, color: familyColor, shape, tooltip: [{ field: 'epochs', title: 'epochs (median)' }] } });
  return renderVegaLite({ width: opts.width ?? 480, height: opts.height ?? 320, layer }, { name: 'fig2-loss-vs-data', ...opts });
}

/**
 * Fig. 3: one IsoFLOP panel per family (loss vs N at each FLOP bin, parabola fits, minima), then N_opt and D_opt
 * against compute per family (bin minima with bootstrap intervals, and the fitted power laws).
 */
export async function plotStudyIsoFlop(runs: readonly StudyRun[], fits: readonly IsoFlopStudyFit[], opts: PlotOptions = {}): Promise<PlotOutput> {
  const label = (c: number) => `${c.toExponential(1).replace('e+', 'e')} FLOPs`;
  const panels: object[] = [];
  for (const f of fits) {
    const fr = runs.filter((r) => r.family === f.family);
    const nearest = (c: number) => f.bins.reduce((b, p) => (Math.abs(Math.log(p.c / c)) < Math.abs(Math.log(b.c / c)) ? p : b), f.bins[0]);
    const pts = f.bins.length
      ? fr.filter((r) => Math.abs(Math.log(nearest(r.flops).c / r.flops)) < Math.log(10) / 4).map((r) => ({ n: r.n, loss: r.loss, budget: label(nearest(r.flops).c), order: nearest(r.flops).c }))
      : [];
    const curves: object[] = [];
    const minima: object[] = [];
    for (const b of f.bins) {
      const ns = fr.filter((r) => nearest(r.flops) === b).map((r) => Math.log(r.n));
      if (ns.length < 2 || !b.coefficients.every(Number.isFinite)) continue;
      const lo = Math.min(...ns);
      const hi = Math.max(...ns);
      const [p0, p1, p2] = b.coefficients;
      for (let k = 0; k <= 30; k++) {
        const xx = lo + ((hi - lo) * k) / 30;
        const loss = p0 + p1 * xx + p2 * xx * xx;
        if (loss > 0) curves.push({ n: Math.exp(xx), loss, budget: label(b.c), order: b.c });
      }
      if (b.usable && b.lossOpt > 0) minima.push({ n: b.nOpt, loss: b.lossOpt });
    }
    const x = logQ('n', 'Parameters N', '~e');
    const y = logQ('loss', 'Test loss (MSE)');
    const color = { field: 'budget', type: 'ordinal', title: 'FLOP budget', sort: { field: 'order' }, scale: { scheme: 'viridis' } };
    const layer: object[] = [];
    if (pts.length) layer.push({ data: { values: pts }, mark: { type: 'point', filled: true, size: 30, opacity: 0.7 }, encoding: { x, y, color } });
    if (curves.length) layer.push({ data: { values: curves }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, detail: { field: 'budget' } } });
    if (minima.length) layer.push({ data: { values: minima }, mark: { type: 'point', shape: 'diamond', size: 120, filled: false, strokeWidth: 2, color: 'black' }, encoding: { x, y } });
    if (!layer.length) layer.push({ data: { values: [{ n: 1, loss: 1 }] }, mark: { type: 'text', text: 'no usable IsoFLOP bin' }, encoding: { x, y } });
    panels.push({ title: `${f.family}: IsoFLOP profiles (${f.status.status})`, width: opts.width ?? 260, height: opts.height ?? 240, layer });
  }
  const opt = (key: 'n' | 'd') =>
    fits.flatMap((f) =>
      f.bins
        .filter((b) => b.usable && b.nOpt > 0 && b.dOpt > 0)
        .map((b) => ({
          family: f.family,
          c: b.c,
          value: key === 'n' ? b.nOpt : b.dOpt,
          ...(key === 'n' && b.nOptInterval ? { lo: b.nOptInterval.lo, hi: b.nOptInterval.hi } : {}),
        })),
    );
  const lines = (key: 'n' | 'd') =>
    fits.flatMap((f) => {
      const cs = f.bins.filter((b) => b.usable).map((b) => b.c);
      if (cs.length < 2 || !Number.isFinite(f.a.estimate)) return [];
      const [k, e] = key === 'n' ? [f.kN, f.a.estimate] : [f.kD, f.b.estimate];
      return logSpace(Math.min(...cs), Math.max(...cs), 12).map((c) => ({ family: `${f.family}`, c, value: k * Math.pow(c, e) }));
    });
  const optPanel = (key: 'n' | 'd', title: string) => {
    const x = logQ('c', 'Training compute (FLOPs)', '~e');
    const y = logQ('value', title, '~e');
    const ps = opt(key);
    const layer: object[] = [];
    const bars = ps.filter((p) => 'lo' in p && (p.lo as number) > 0);
    if (bars.length) layer.push({ data: { values: bars }, mark: { type: 'rule' }, encoding: { x, y: logQ('lo', title, '~e'), y2: { field: 'hi' }, color: familyColor } });
    layer.push({ data: { values: ps.length ? ps : [{ family: '', c: 1, value: 1 }] }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y, color: familyColor } });
    const ls = lines(key);
    if (ls.length) layer.push({ data: { values: ls }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color: familyColor } });
    return { title: `Compute-optimal ${key === 'n' ? 'N' : 'D'} (IsoFLOP minima)`, width: opts.width ?? 260, height: opts.height ?? 240, layer };
  };
  return renderVegaLite(
    { vconcat: [{ hconcat: panels }, { hconcat: [optPanel('n', 'N_opt (parameters)'), optPanel('d', 'D_opt (training samples)')] }], resolve: { scale: { color: 'independent' } } },
    { name: 'fig3-isoflop', ...opts },
  );
}

export interface GroupedLearningCurves {
  curves: { family: string; n: number; seed?: number | string; label?: string; points: { step: number; loss: number }[] }[];
  xLabel?: string;
  lossLabel?: string;
}

/** Learning curves: one panel per family, colour by model size (a continuous log scale), one line per run. */
export async function plotLearningCurvesByFamily(data: GroupedLearningCurves, opts: PlotOptions = {}): Promise<PlotOutput> {
  const values = data.curves.flatMap((c, j) =>
    c.points.map((p, i) => {
      requirePositive(p.step, `curve ${j} (${c.family}) point ${i} step`);
      requirePositive(p.loss, `curve ${j} (${c.family}) point ${i} loss`);
      return { family: c.family, n: c.n, run: c.label ?? `${c.family}|${c.n}|${String(c.seed ?? j)}|${j}`, step: p.step, loss: p.loss };
    }),
  );
  return renderVegaLite(
    {
      data: { values },
      facet: { column: { field: 'family', type: 'nominal', title: null } },
      spec: {
        width: opts.width ?? 260,
        height: opts.height ?? 220,
        mark: { type: 'line', strokeWidth: 1.2, opacity: 0.8 },
        encoding: {
          x: logQ('step', data.xLabel ?? 'Training step'),
          y: logQ('loss', data.lossLabel ?? 'Test loss (MSE)'),
          color: { field: 'n', type: 'quantitative', title: 'Parameters N', scale: { type: 'log', scheme: 'viridis' }, legend: { format: '~e' } },
          detail: { field: 'run', type: 'nominal' },
        },
      },
    },
    { name: 'learning-curves-by-family', ...opts },
  );
}
