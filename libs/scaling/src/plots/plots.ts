/**
 * The study's figures as functions of plain data. Each returns { svg, png, spec } (and writes files when
 * opts.outDir is given). Axes are logarithmic with units in their titles; families get distinct colours.
 */
import { computeOptimal, type OptimalPoint } from '../frontier.js';
import type { LawParams } from '../approach3.js';
import type { IsoFlopProfile } from '../approach2.js';
import { sampleLaws, type BootstrapSamples } from '../bootstrap.js';
import { percentileInterval } from '../rng.js';
import { renderVegaLite, requirePositive, type PlotOptions, type PlotOutput } from './render.js';

const logAxis = (title: string) => ({ type: 'quantitative' as const, scale: { type: 'log' as const }, axis: { title, format: '~e' } });
const logAxisPlain = (title: string) => ({ type: 'quantitative' as const, scale: { type: 'log' as const }, axis: { title, format: '~g' } });

/** One point of a frontier line, with an optional uncertainty band. */
export interface FrontierPoint {
  c: number;
  loss: number;
  lo?: number;
  hi?: number;
}

export interface LossVsComputeData {
  /** One dot per run. */
  runs: { family: string; c: number; loss: number }[];
  /** Fitted compute-optimal frontier per family. */
  frontiers: { family: string; points: FrontierPoint[] }[];
  /** Loss axis title. Default 'Test loss (MSE)'. */
  lossLabel?: string;
}

/** Frontier series of a fitted law over budgets, with a percentile band from bootstrap samples when given. */
export function frontierSeries(fit: LawParams, kappa: number, budgets: readonly number[], samples?: BootstrapSamples, level = 0.95): FrontierPoint[] {
  const laws = samples ? sampleLaws(samples) : [];
  return budgets.map((c) => {
    const p: OptimalPoint = computeOptimal(fit, c, kappa);
    if (!laws.length) return { c, loss: p.loss };
    const iv = percentileInterval(laws.map((q) => computeOptimal(q, c, kappa).loss), level);
    return { c, loss: p.loss, lo: iv.lo, hi: iv.hi };
  });
}

/** Figure 1: test loss vs training compute, one dot per run, fitted frontier per family with its band. */
export async function plotLossVsCompute(data: LossVsComputeData, opts: PlotOptions = {}): Promise<PlotOutput> {
  data.runs.forEach((r, i) => {
    requirePositive(r.c, `runs[${i}].c`);
    requirePositive(r.loss, `runs[${i}].loss`);
  });
  const line = data.frontiers.flatMap((f) => f.points.map((p) => ({ family: f.family, ...p })));
  line.forEach((p, i) => requirePositive(p.loss, `frontier point ${i} loss`));
  const band = line.filter((p) => p.lo !== undefined && p.hi !== undefined && p.lo > 0 && p.hi > 0);
  const x = { field: 'c', ...logAxis('Training compute (FLOPs)') };
  const y = { field: 'loss', ...logAxisPlain(data.lossLabel ?? 'Test loss (MSE)') };
  const color = { field: 'family', type: 'nominal', title: 'Family' };
  // Every layer encodes colour by family with the same scale; Vega-Lite merges them into one legend (a layer with
  // legend: null would suppress the merged legend altogether).
  const noLegend = color;
  const layer: object[] = [];
  if (band.length)
    layer.push({ data: { values: band }, mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', ...logAxisPlain(data.lossLabel ?? 'Test loss (MSE)') }, y2: { field: 'hi' }, color: noLegend } });
  layer.push({ data: { values: data.runs }, mark: { type: 'point', filled: true, size: 30, opacity: 0.7 }, encoding: { x, y, color } });
  if (line.length) layer.push({ data: { values: line }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color: noLegend, detail: { field: 'family' } } });
  return renderVegaLite({ width: opts.width ?? 480, height: opts.height ?? 320, layer }, { name: 'loss-vs-compute', ...opts });
}

export interface LossVsDataSizeData {
  points: { family: string; d: number; loss: number; augmented?: boolean }[];
  /** Data-size axis title. Default 'Training-set size (samples)'. */
  dataLabel?: string;
  lossLabel?: string;
}

/** Figure: test loss vs training-set size per family, with and without augmentation (solid vs dashed). */
export async function plotLossVsDataSize(data: LossVsDataSizeData, opts: PlotOptions = {}): Promise<PlotOutput> {
  const values = data.points.map((p, i) => {
    requirePositive(p.d, `points[${i}].d`);
    requirePositive(p.loss, `points[${i}].loss`);
    return { ...p, augmentation: p.augmented ? 'with augmentation' : 'without augmentation' };
  });
  const enc = {
    x: { field: 'd', ...logAxis(data.dataLabel ?? 'Training-set size (samples)') },
    y: { field: 'loss', ...logAxisPlain(data.lossLabel ?? 'Test loss (MSE)') },
    color: { field: 'family', type: 'nominal', title: 'Family' },
  };
  const layer = [
    { mark: { type: 'line', strokeWidth: 2 }, encoding: { ...enc, strokeDash: { field: 'augmentation', type: 'nominal', title: 'Augmentation' }, detail: { field: 'augmentation' } } },
    { mark: { type: 'point', filled: true, size: 50 }, encoding: { ...enc, shape: { field: 'augmentation', type: 'nominal', title: 'Augmentation' } } },
  ];
  return renderVegaLite({ width: opts.width ?? 480, height: opts.height ?? 320, data: { values }, layer }, { name: 'loss-vs-data', ...opts });
}

export interface IsoFlopData {
  /** Runs grouped by budget c. */
  points: { c: number; n: number; loss: number }[];
  /** Fitted parabolas (from fitApproach2) drawn over each budget's sampled N range, with minima marked. */
  profiles?: IsoFlopProfile[];
  lossLabel?: string;
}

const budgetLabel = (c: number) => `${c.toExponential(1).replace('e+', 'e')} FLOPs`;

/** Figure: IsoFLOP curves — loss vs parameters, one colour per compute budget, parabola fits and minima. */
export async function plotIsoFlop(data: IsoFlopData, opts: PlotOptions = {}): Promise<PlotOutput> {
  const profiles = data.profiles ?? [];
  // Assign each run to the nearest profile budget (by log distance) when profiles are given.
  const nearest = (c: number) =>
    profiles.length ? profiles.reduce((b, p) => (Math.abs(Math.log(p.c / c)) < Math.abs(Math.log(b.c / c)) ? p : b)).c : c;
  const pts = data.points.map((p, i) => {
    requirePositive(p.c, `points[${i}].c`);
    requirePositive(p.n, `points[${i}].n`);
    requirePositive(p.loss, `points[${i}].loss`);
    const c = nearest(p.c);
    return { n: p.n, loss: p.loss, budget: budgetLabel(c), order: c };
  });
  const curves: object[] = [];
  const minima: object[] = [];
  for (const pr of profiles) {
    const ns = data.points.filter((p) => nearest(p.c) === pr.c).map((p) => Math.log(p.n));
    if (ns.length < 2) continue;
    const lo = Math.min(...ns);
    const hi = Math.max(...ns);
    const [p0, p1, p2] = pr.coefficients;
    for (let k = 0; k <= 40; k++) {
      const x = lo + ((hi - lo) * k) / 40;
      const loss = p0 + p1 * x + p2 * x * x;
      if (loss > 0) curves.push({ n: Math.exp(x), loss, budget: budgetLabel(pr.c), order: pr.c });
    }
    if (pr.usable && pr.lossOpt > 0) minima.push({ n: pr.nOpt, loss: pr.lossOpt, budget: budgetLabel(pr.c), order: pr.c });
  }
  const x = { field: 'n', ...logAxis('Parameters N') };
  const y = { field: 'loss', ...logAxisPlain(data.lossLabel ?? 'Test loss (MSE)') };
  const color = { field: 'budget', type: 'ordinal', title: 'Compute budget', sort: { field: 'order' }, scale: { scheme: 'viridis' } };
  const layer: object[] = [{ data: { values: pts }, mark: { type: 'point', filled: true, size: 40 }, encoding: { x, y, color } }];
  if (curves.length) layer.push({ data: { values: curves }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, detail: { field: 'budget' } } });
  if (minima.length) layer.push({ data: { values: minima }, mark: { type: 'point', shape: 'diamond', size: 140, filled: false, strokeWidth: 2, color: 'black' }, encoding: { x, y } });
  return renderVegaLite({ width: opts.width ?? 480, height: opts.height ?? 320, layer }, { name: 'isoflop', ...opts });
}

export interface AllocationSeries {
  family: string;
  points: { c: number; n: number; d: number; nLo?: number; nHi?: number; dLo?: number; dHi?: number }[];
}

/** Figure: compute-optimal N_opt and D_opt vs compute per family (two panels), with bands when given. */
export async function plotOptimalAllocation(series: AllocationSeries[], opts: PlotOptions = {}): Promise<PlotOutput> {
  const rows = series.flatMap((s) =>
    s.points.flatMap((p, i) => {
      requirePositive(p.c, `${s.family} point ${i} c`);
      requirePositive(p.n, `${s.family} point ${i} n`);
      requirePositive(p.d, `${s.family} point ${i} d`);
      return [
        { family: s.family, c: p.c, quantity: 'N_opt (parameters)', value: p.n, lo: p.nLo, hi: p.nHi },
        { family: s.family, c: p.c, quantity: 'D_opt (training samples)', value: p.d, lo: p.dLo, hi: p.dHi },
      ];
    }),
  );
  const color = { field: 'family', type: 'nominal', title: 'Family' };
  const panel = (quantity: string) => {
    const vals = rows.filter((r) => r.quantity === quantity);
    const band = vals.filter((r) => r.lo !== undefined && r.hi !== undefined && r.lo > 0 && r.hi > 0);
    const x = { field: 'c', ...logAxis('Training compute (FLOPs)') };
    const layer: object[] = [];
    if (band.length) layer.push({ data: { values: band }, mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', ...logAxis(quantity) }, y2: { field: 'hi' }, color } });
    layer.push({ data: { values: vals }, mark: { type: 'line', strokeWidth: 2, point: true }, encoding: { x, y: { field: 'value', ...logAxis(quantity) }, color } });
    return { width: opts.width ?? 320, height: opts.height ?? 280, layer };
  };
  return renderVegaLite({ hconcat: [panel('N_opt (parameters)'), panel('D_opt (training samples)')] }, { name: 'optimal-allocation', ...opts });
}

export interface LearningCurvesData {
  trials: { trial: string; points: { step: number; loss: number }[] }[];
  /** Default 'Training step'; e.g. 'Training samples seen'. */
  xLabel?: string;
  lossLabel?: string;
}

/** Figure: learning curves of a sweep, one line per trial. */
export async function plotLearningCurves(data: LearningCurvesData, opts: PlotOptions = {}): Promise<PlotOutput> {
  const values = data.trials.flatMap((t) =>
    t.points.map((p, i) => {
      requirePositive(p.step, `trial "${t.trial}" point ${i} step`);
      requirePositive(p.loss, `trial "${t.trial}" point ${i} loss`);
      return { trial: t.trial, step: p.step, loss: p.loss };
    }),
  );
  const many = data.trials.length > 10;
  return renderVegaLite(
    {
      width: opts.width ?? 480,
      height: opts.height ?? 320,
      data: { values },
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'step', ...logAxisPlain(data.xLabel ?? 'Training step') },
        y: { field: 'loss', ...logAxisPlain(data.lossLabel ?? 'Test loss (MSE)') },
        color: { field: 'trial', type: 'nominal', title: 'Trial', ...(many ? { scale: { scheme: 'category20' } } : {}) },
      },
    },
    { name: 'learning-curves', ...opts },
  );
}
