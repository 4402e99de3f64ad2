/**
 * Learning on REAL benchmark data (wasm), printed, asserting nothing (issue 13, "a fair comparison"):
 * `BENCH_FILTER=learning npm run bench`, ~10 minutes on 2 loaded cores.
 *
 * - data: @equiscale/rigid-body generateExamples, train examples [0, TRAIN) of split "train", validation
 *   [0, VAL) of split "val", on the default (collision) benchmark, and for one ablation on the old free-flight
 *   defaults (FREE_FLIGHT_OVERRIDES);
 * - baselines: no motion (predict curr) and constant velocity (curr + a (curr − prev), a fitted on the training
 *   set: the baseline every family adds to its prediction);
 * - families at matched NOMINAL training compute (gatr-spec.md §5; GATr's two symmetrisation passes counted):
 *   one size per architecture at ~3e4 parameters (transformer w32 d2, GATr c4 b2), steps = budget / (FLOPs per
 *   sample × batch 32); budget k = GATr (symmetrize) doing BASE_STEPS·k steps, k in BUDGETS (1, 4);
 *   transformer, transformer+augment (E(3), floor and gravity moved along), transformer+augment-task (the floor's
 *   symmetry group), gatr (reflections symmetrize), gatr (reflections ignore: one pass, so twice the steps);
 * - ablations at budget 1: the old free-flight benchmark; per-vertex output instead of the rigid motion per body
 *   (GATr c4 and the bottlenecked c1 rung; transformer); GATr with the hand-made invariant scalars it had before;
 *   GATr with distance-aware attention.
 * Adam, cosine lr (peak LR, 10% warmup, floor 0.1), gradClip 1, seed 1; the table gives the final validation
 * loss (m², masked MSE over real vertices) and ms per step (wall / steps, evaluation included).
 * Budget 1 and the ablations run first, then the larger budgets.
 * Env: BENCH_STEPS (BASE_STEPS, default 50), BENCH_BUDGETS (1,4), BENCH_TRAIN (1024), BENCH_VAL (256),
 * BENCH_LR (3e-3), BENCH_ONLY (substring of run labels).
 */
import { execSync } from 'node:child_process';
import { FREE_FLIGHT_OVERRIDES, defaultBenchmarkConfig, generateExamples, type Examples } from '@equiscale/rigid-body';
import type { GatrDims, ModelDims, TransformerDims, TrialConfig } from '../src/api.js';
import { initBackend } from '../src/backend/init.js';
import { summarize } from '../src/ladder.js';
import { fitMotionGain, motionBaselineLoss } from '../src/train/motion-baseline.js';
import { trainTrial } from '../src/train/trainer.js';

const BASE_STEPS = Number(process.env.BENCH_STEPS ?? 50);
const BUDGETS = (process.env.BENCH_BUDGETS ?? '1,4').split(',').map(Number);
const TRAIN = Number(process.env.BENCH_TRAIN ?? 1024);
const VAL = Number(process.env.BENCH_VAL ?? 256);
const LR = Number(process.env.BENCH_LR ?? 3e-3);
const BATCH = 32;

const uptime = () => execSync('uptime').toString().trim();
console.log(`start: ${uptime()}`);

async function dataset(over: object): Promise<{ train: Examples; val: Examples }> {
  const cfg = { ...defaultBenchmarkConfig(), ...over };
  return { train: await generateExamples(cfg, 'train', 0, TRAIN), val: await generateExamples(cfg, 'val', 0, VAL) };
}
const collision = await dataset({});
const freeFlight = await dataset(FREE_FLIGHT_OVERRIDES);

const baselines = (d: { train: Examples; val: Examples }) => {
  const gain = fitMotionGain(d.train);
  return { gain, noMotion: motionBaselineLoss(d.val, 0), constantVelocity: motionBaselineLoss(d.val, gain) };
};
const base = { collision: baselines(collision), freeFlight: baselines(freeFlight) };
for (const [k, b] of Object.entries(base)) {
  console.log(`${k}: val no motion ${b.noMotion.toExponential(3)}, constant velocity ${b.constantVelocity.toExponential(3)} (gain ${b.gain.toFixed(3)})`);
}

const backend = await initBackend('wasm');
const shapes = { maxBodies: collision.train.maxBodies, maxVerts: collision.train.maxVerts, bodyFeatureCount: collision.train.bodyFeatureCount };
const transformer: TransformerDims = { family: 'transformer', width: 32, depth: 2, heads: 4, mlpRatio: 4 };
const gatr: GatrDims = { family: 'gatr', mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 };
const budgetUnit = summarize(gatr, shapes).nominalFlopsPerSample * BATCH * BASE_STEPS;

interface Run {
  label: string;
  budget: number;
  dims: ModelDims;
  augment?: 'e3' | 'task';
  data?: 'collision' | 'freeFlight';
  handMadeInvariants?: boolean;
}

interface Row {
  label: string;
  budget: number;
  data: string;
  params: number;
  steps: number;
  flops: number;
  val: number | null;
  msPerStep: number;
  status: string;
}

async function run(r: Run): Promise<Row> {
  const s = summarize(r.dims, shapes);
  const flops = r.budget * budgetUnit;
  const steps = Math.max(1, Math.round(flops / (s.nominalFlopsPerSample * BATCH)));
  const d = r.data === 'freeFlight' ? freeFlight : collision;
  const config: TrialConfig = {
    family: r.dims.family,
    augment: r.augment !== undefined,
    ...(r.augment ? { augmentGroup: r.augment } : {}),
    dims: r.dims,
    steps,
    batchSize: BATCH,
    lr: { peak: LR, kind: 'cosine', warmupSteps: Math.round(steps / 10), minRatio: 0.1, cooldownFraction: 0 },
    gradClip: 1,
    evalEvery: 0,
    evalExamples: VAL,
    checkpointEvery: 0,
    seed: 1,
  };
  const t0 = performance.now();
  const out = await trainTrial(config, { train: d.train, val: d.val, test: d.val }, {}, undefined, { handMadeInvariants: r.handMadeInvariants });
  const ms = (performance.now() - t0) / steps;
  const row: Row = {
    label: r.label, budget: r.budget, data: r.data ?? 'collision', params: s.paramCount, steps,
    flops: steps * BATCH * s.nominalFlopsPerSample, val: out.valLoss, msPerStep: ms, status: out.status,
  };
  console.log(`${row.label} | budget ${row.budget} | ${row.data} | ${row.params} params | ${row.steps} steps | val ${row.val?.toExponential(3)} | ${ms.toFixed(1)} ms/step | ${row.status}`);
  return row;
}

const families = (budget: number): Run[] => [
  { label: 'transformer', budget, dims: transformer },
  { label: 'transformer+augment (E(3))', budget, dims: transformer, augment: 'e3' },
  { label: 'transformer+augment-task', budget, dims: transformer, augment: 'task' },
  { label: 'gatr (symmetrize)', budget, dims: gatr },
  { label: 'gatr (reflections ignore)', budget, dims: { ...gatr, reflections: 'ignore' } },
];
const runs: Run[] = [
  ...families(BUDGETS[0]!),
  { label: 'ablation: transformer, free-flight benchmark', budget: 1, dims: transformer, data: 'freeFlight' },
  { label: 'ablation: gatr, free-flight benchmark', budget: 1, dims: gatr, data: 'freeFlight' },
  { label: 'ablation: transformer, per-vertex output', budget: 1, dims: { ...transformer, output: 'vertex' } },
  { label: 'ablation: gatr c4, per-vertex output', budget: 1, dims: { ...gatr, output: 'vertex' } },
  { label: 'ablation: gatr c1 (demo S), rigid output', budget: 1, dims: { family: 'gatr', mvChannels: 1, sChannels: 8, blocks: 1, heads: 1 } },
  { label: 'ablation: gatr c1 (demo S), per-vertex output', budget: 1, dims: { family: 'gatr', mvChannels: 1, sChannels: 8, blocks: 1, heads: 1, output: 'vertex' } },
  { label: 'ablation: gatr + hand-made invariant scalars', budget: 1, dims: gatr, handMadeInvariants: true },
  { label: 'ablation: gatr, distance-aware attention', budget: 1, dims: { ...gatr, attention: 'distance' } },
  ...BUDGETS.slice(1).flatMap(families),
];
const only = process.env.BENCH_ONLY; // substring of labels, to rerun a part
const rows: Row[] = [];
for (const r of runs.filter((x) => !only || x.label.includes(only))) rows.push(await run(r));

console.log(`\nend: ${uptime()}; backend ${backend}; train ${TRAIN}, val ${VAL}, batch ${BATCH}, lr ${LR}; budget 1 = ${budgetUnit.toExponential(2)} nominal FLOPs`);
console.log(`baselines (val): collision no motion ${base.collision.noMotion.toExponential(2)}, constant velocity ${base.collision.constantVelocity.toExponential(2)}; free flight ${base.freeFlight.noMotion.toExponential(2)}, ${base.freeFlight.constantVelocity.toExponential(2)}`);
console.log('\n| run | budget | params | steps | nominal FLOPs | val loss | val / const. velocity | ms/step |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const cv = r.data === 'freeFlight' ? base.freeFlight.constantVelocity : base.collision.constantVelocity;
  console.log(`| ${r.label} | ${r.budget} | ${r.params} | ${r.steps} | ${r.flops.toExponential(2)} | ${r.val === null ? r.status : r.val.toExponential(2)} | ${r.val === null ? '—' : (r.val / cv).toFixed(2)} | ${r.msPerStep.toFixed(1)} |`);
}
