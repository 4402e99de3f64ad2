/**
 * Issue 16's learning bench (wasm, REAL benchmark data, prints, asserts nothing):
 * `BENCH_FILTER=symmetry npm run bench`, 14 minutes on 2 loaded cores (load average 4.4).
 *
 * Every sweep family at two matched NOMINAL compute budgets (gatr-spec.md §5), on the default (collision)
 * benchmark and with the symmetry-breaking knob on (windStrength WIND m/s², a constant +x wind that no input
 * reveals): transformer, transformer+augment (E(3)), transformer+augment-task, gatr, gatr+approx (2 learned
 * fixed inputs; the loss with them switched off is printed too), transformer+lps (k = LPS_K frames; q and the k
 * base passes counted), transformer+clone (teacher = the gatr run of the same budget and data; cloning on the
 * first half of its steps; the teacher's forward passes are paid out of the budget, its training is not: the
 * "with teacher" column adds it). One size per architecture at ~3e4 parameters (transformer w32 d2, GATr c4 b2),
 * budget unit = GATr (symmetrize) doing BASE_STEPS steps of batch 32; steps = budget / (FLOPs per sample × 32).
 * Adam, cosine lr (peak LR, 10% warmup, floor 0.1), gradClip 1, seed 1. Columns: final validation loss (m²,
 * masked MSE over real vertices), relative to the constant-velocity baseline, the equivariance error (relative
 * to the predicted displacement, mean over 4 random E(3) elements with floor and gravity moved along, first 64
 * validation examples) and ms per step.
 * Env: BENCH_STEPS (BASE_STEPS, default 100), BENCH_BUDGETS (1,4), BENCH_TRAIN (1024), BENCH_VAL (256),
 * BENCH_LR (3e-3), BENCH_WIND (5), BENCH_LPS_K (2), BENCH_ONLY (substring of run labels).
 */
import { execSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { defaultBenchmarkConfig, generateExamples, type Examples } from '@equiscale/rigid-body';
import type { GatrDims, ModelDims, TransformerDims, TrialConfig, TrialOutcome } from '../src/api.js';
import { initBackend } from '../src/backend/init.js';
import { summarize } from '../src/ladder.js';
import { LPS_DEFAULT_HIDDEN, LPS_DEFAULT_NOISE } from '../src/symmetry-accounting.js';
import { fitMotionGain, motionBaselineLoss } from '../src/train/motion-baseline.js';
import { measureEquivariance, trainTrial } from '../src/train/trainer.js';
import { deserializeCheckpoint } from '../src/train/checkpoint.js';
import { createNet } from '../src/train/nets.js';

const BASE_STEPS = Number(process.env.BENCH_STEPS ?? 100);
const BUDGETS = (process.env.BENCH_BUDGETS ?? '1,4').split(',').map(Number);
const TRAIN = Number(process.env.BENCH_TRAIN ?? 1024);
const VAL = Number(process.env.BENCH_VAL ?? 256);
const LR = Number(process.env.BENCH_LR ?? 3e-3);
const WIND = Number(process.env.BENCH_WIND ?? 5);
const LPS_K = Number(process.env.BENCH_LPS_K ?? 2);
const BATCH = 32;
const CLONE_FRACTION = 0.5;

const uptime = () => execSync('uptime').toString().trim();
console.log(`start: ${uptime()}`);

async function dataset(over: object): Promise<{ train: Examples; val: Examples }> {
  const cfg = { ...defaultBenchmarkConfig(), ...over };
  return { train: await generateExamples(cfg, 'train', 0, TRAIN), val: await generateExamples(cfg, 'val', 0, VAL) };
}
const datasets = { calm: await dataset({}), wind: await dataset({ windStrength: WIND }) };
type DataName = keyof typeof datasets;
const base = Object.fromEntries(
  Object.entries(datasets).map(([k, d]) => {
    const gain = fitMotionGain(d.train);
    return [k, { gain, noMotion: motionBaselineLoss(d.val, 0), constantVelocity: motionBaselineLoss(d.val, gain) }];
  }),
) as Record<DataName, { gain: number; noMotion: number; constantVelocity: number }>;
for (const [k, b] of Object.entries(base)) console.log(`${k}: val no motion ${b.noMotion.toExponential(3)}, constant velocity ${b.constantVelocity.toExponential(3)} (gain ${b.gain.toFixed(3)})`);

const backend = await initBackend('wasm');
const { train: t0 } = datasets.calm;
const shapes = { maxBodies: t0.maxBodies, maxVerts: t0.maxVerts, bodyFeatureCount: t0.bodyFeatureCount };
const transformer: TransformerDims = { family: 'transformer', width: 32, depth: 2, heads: 4, mlpRatio: 4 };
const gatr: GatrDims = { family: 'gatr', mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 };
const budgetUnit = summarize(gatr, shapes).nominalFlopsPerSample * BATCH * BASE_STEPS;

interface Run {
  label: string;
  dims: ModelDims;
  augment?: 'e3' | 'task';
  clone?: boolean;
}
interface Row {
  label: string;
  budget: number;
  data: DataName;
  params: number;
  steps: number;
  flops: number;
  flopsWithTeacher: number | null;
  val: number | null;
  extra: string;
  equivariance: number | null;
  msPerStep: number;
}

/** Rebuilds a net from a checkpoint (to measure it after trainTrial returned). */
function restore(bytes: Uint8Array) {
  const ck = deserializeCheckpoint(bytes);
  const net = createNet(ck.header.dims, ck.header.shapes, ck.header.seed, ck.header.motionGain);
  let off = 0;
  for (const v of net.variables) {
    const t = tf.tensor(ck.params.slice(off, off + v.size), v.shape);
    v.assign(t);
    t.dispose();
    off += v.size;
  }
  return net;
}

const teachers = new Map<string, { ck: Uint8Array; flops: number }>();

async function run(r: Run, budget: number, data: DataName): Promise<Row> {
  const s = summarize(r.dims, shapes);
  const flops = budget * budgetUnit;
  const teacher = r.clone ? teachers.get(`${budget}/${data}`) : undefined;
  if (r.clone && !teacher) throw new Error('the gatr run of this budget and data must come first');
  const teacherPerSample = r.clone ? (CLONE_FRACTION * summarize(gatr, shapes).nominalFlopsPerSample) / 3 : 0;
  const steps = Math.max(1, Math.round(flops / ((s.nominalFlopsPerSample + teacherPerSample) * BATCH)));
  const d = datasets[data];
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
    checkpointEvery: steps,
    seed: 1,
    ...(r.clone ? { clone: { steps: Math.max(1, Math.round(CLONE_FRACTION * steps)) } } : {}),
  };
  let ck: Uint8Array | undefined;
  const started = performance.now();
  const out: TrialOutcome = await trainTrial(config, { train: d.train, val: d.val, test: d.val }, { onCheckpoint: (b) => void (ck = b) }, undefined, teacher ? { teacher: teacher.ck } : {});
  const ms = (performance.now() - started) / steps;
  const spent = steps * BATCH * s.nominalFlopsPerSample + (out.symmetry?.teacherInferenceFlops ?? 0);
  if (r.label === 'gatr') teachers.set(`${budget}/${data}`, { ck: ck!, flops: spent });
  let equivariance: number | null = out.symmetry?.equivarianceErrorFinal ?? null;
  if (equivariance === null && ck && r.dims.family === 'transformer' && !r.dims.lps) {
    const net = restore(ck);
    equivariance = await measureEquivariance(net, d.val, 1);
    net.dispose();
  }
  const sym = out.symmetry;
  const extra = sym?.exactValLoss !== undefined ? `inputs off: ${sym.exactValLoss.toExponential(2)}` : sym?.equivarianceErrorAfterClone !== undefined ? `equiv. after cloning ${sym.equivarianceErrorAfterClone.toFixed(3)}` : '';
  const row: Row = {
    label: r.label, budget, data, params: s.paramCount, steps, flops: spent,
    flopsWithTeacher: teacher ? spent + teacher.flops : null, val: out.valLoss, extra, equivariance, msPerStep: ms,
  };
  console.log(`${row.label} | budget ${budget} | ${data} | ${steps} steps | val ${row.val?.toExponential(3)} | ${extra} | equiv ${equivariance?.toFixed(3) ?? '—'} | ${ms.toFixed(1)} ms/step | ${out.status}`);
  return row;
}

const runs: Run[] = [
  { label: 'transformer', dims: transformer },
  { label: 'transformer+augment', dims: transformer, augment: 'e3' },
  { label: 'transformer+augment-task', dims: transformer, augment: 'task' },
  { label: 'gatr', dims: gatr },
  { label: 'gatr+approx', dims: { ...gatr, approxInputs: 2 } },
  { label: 'transformer+lps', dims: { ...transformer, lps: { samples: LPS_K, hidden: LPS_DEFAULT_HIDDEN, noise: LPS_DEFAULT_NOISE } } },
  { label: 'transformer+clone', dims: transformer, clone: true },
];
const only = process.env.BENCH_ONLY;
const rows: Row[] = [];
for (const budget of BUDGETS) {
  for (const data of ['calm', 'wind'] as DataName[]) {
    for (const r of runs.filter((x) => !only || x.label.includes(only) || (x.label === 'gatr' && only.includes('clone')))) rows.push(await run(r, budget, data));
  }
}

console.log(`\nend: ${uptime()}; backend ${backend}; train ${TRAIN}, val ${VAL}, batch ${BATCH}, lr ${LR}, wind ${WIND} m/s², lps k ${LPS_K}; budget 1 = ${budgetUnit.toExponential(2)} nominal FLOPs`);
console.log(`baselines (val): calm no motion ${base.calm.noMotion.toExponential(2)}, constant velocity ${base.calm.constantVelocity.toExponential(2)}; wind ${base.wind.noMotion.toExponential(2)}, ${base.wind.constantVelocity.toExponential(2)}`);
console.log('\n| family | budget | data | params | steps | nominal FLOPs (with teacher) | val loss | val / const. velocity | other | equivariance error | ms/step |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const cv = base[r.data].constantVelocity;
  const fl = `${r.flops.toExponential(2)}${r.flopsWithTeacher ? ` (${r.flopsWithTeacher.toExponential(2)})` : ''}`;
  console.log(`| ${r.label} | ${r.budget} | ${r.data} | ${r.params} | ${r.steps} | ${fl} | ${r.val === null ? '—' : r.val.toExponential(2)} | ${r.val === null ? '—' : (r.val / cv).toFixed(3)} | ${r.extra} | ${r.equivariance === null ? '—' : r.equivariance.toFixed(3)} | ${r.msPerStep.toFixed(1)} |`);
}
