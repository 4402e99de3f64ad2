/**
 * WSD branches against independent cosine runs on REAL benchmark data (wasm), printed, asserting nothing (issue 14):
 * `BENCH_FILTER=wsd npm run bench`.
 *
 * For each family (transformer, GATr) and two sizes: one constant-rate trunk (warmup, then the peak rate) that
 * checkpoints at the branch points b(S) = round(0.8 S) of the step counts S in STEPS; from each checkpoint a branch
 * decays the rate linearly to zero over its last 20% (the schedule the planner writes, libs/sweeps wsd.ts); and,
 * for comparison, an independent cosine run of S steps (10% warmup, floor 0.1), the schedule of a non-WSD sweep.
 * The table gives each step count's final validation loss both ways and the steps each way costs; the WSD group
 * costs trunk + cooldowns, the cosine runs their sum.
 * Adam, peak LR, gradClip 1, batch 32, seed 1. Env: BENCH_STEPS (100,300), BENCH_TRAIN (1024), BENCH_VAL (256),
 * BENCH_LR (3e-3).
 */
import { execSync } from 'node:child_process';
import { defaultBenchmarkConfig, generateExamples } from '@equiscale/rigid-body';
import type { ModelDims, TrialConfig } from '../src/api.js';
import { initBackend } from '../src/backend/init.js';
import { summarize } from '../src/ladder.js';
import { trainTrial } from '../src/train/trainer.js';

const STEPS = (process.env.BENCH_STEPS ?? '100,300').split(',').map(Number);
const TRAIN = Number(process.env.BENCH_TRAIN ?? 1024);
const VAL = Number(process.env.BENCH_VAL ?? 256);
const LR = Number(process.env.BENCH_LR ?? 3e-3);
const BATCH = 32;
const F = 0.2;

const uptime = () => execSync('uptime').toString().trim();
console.log(`start: ${uptime()}`);
const cfg = defaultBenchmarkConfig();
const data = { train: await generateExamples(cfg, 'train', 0, TRAIN), val: await generateExamples(cfg, 'val', 0, VAL) };
const d = { ...data, test: data.val };
const backend = await initBackend('wasm');
const shapes = { maxBodies: data.train.maxBodies, maxVerts: data.train.maxVerts, bodyFeatureCount: data.train.bodyFeatureCount };

const MODELS: { label: string; dims: ModelDims }[] = [
  { label: 'transformer w16 d1', dims: { family: 'transformer', width: 16, depth: 1, heads: 2, mlpRatio: 4 } },
  { label: 'transformer w32 d2', dims: { family: 'transformer', width: 32, depth: 2, heads: 4, mlpRatio: 4 } },
  { label: 'gatr c2 b1', dims: { family: 'gatr', mvChannels: 2, sChannels: 16, blocks: 1, heads: 2 } },
  { label: 'gatr c4 b2', dims: { family: 'gatr', mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 } },
];

const warmup = Math.round(0.1 * Math.min(...STEPS));
const base = (dims: ModelDims, steps: number): TrialConfig => ({
  family: dims.family,
  augment: false,
  dims,
  steps,
  batchSize: BATCH,
  lr: { peak: LR, kind: 'cosine', warmupSteps: Math.round(steps / 10), minRatio: 0.1, cooldownFraction: 0 },
  gradClip: 1,
  evalEvery: 0,
  evalExamples: VAL,
  checkpointEvery: 0,
  seed: 1,
});

const rows: string[] = [];
for (const m of MODELS) {
  const params = summarize(m.dims, shapes).paramCount;
  const points = STEPS.map((s) => Math.round((1 - F) * s));
  const trunkSteps = Math.max(...points);
  const checkpoints = new Map<number, Uint8Array>();
  const t0 = performance.now();
  await trainTrial(
    { ...base(m.dims, trunkSteps), lr: { peak: LR, kind: 'wsd', warmupSteps: warmup, minRatio: 0, cooldownFraction: 0 }, checkpointAt: points },
    d,
    { onCheckpoint: (ck, step) => void checkpoints.set(step, ck) },
  );
  let wsdMs = performance.now() - t0;
  let wsdSteps = trunkSteps;
  let cosSteps = 0;
  let cosMs = 0;
  for (const s of STEPS) {
    const b = Math.round((1 - F) * s);
    const t1 = performance.now();
    const branch = await trainTrial(
      { ...base(m.dims, s), lr: { peak: LR, kind: 'wsd', warmupSteps: warmup, minRatio: 0, cooldownFraction: F } },
      d,
      {},
      checkpoints.get(b)!,
    );
    wsdMs += performance.now() - t1;
    wsdSteps += s - b;
    const t2 = performance.now();
    const cosine = await trainTrial(base(m.dims, s), d);
    cosMs += performance.now() - t2;
    cosSteps += s;
    const ratio = branch.valLoss! / cosine.valLoss!;
    const line = `| ${m.label} | ${params} | ${s} | ${branch.valLoss!.toExponential(3)} | ${cosine.valLoss!.toExponential(3)} | ${ratio.toFixed(3)} |`;
    console.log(line);
    rows.push(line);
  }
  const cost = `| ${m.label} | steps: WSD ${wsdSteps} (trunk ${trunkSteps} + cooldowns) vs cosine ${cosSteps} (${(cosSteps / wsdSteps).toFixed(2)}×) | wall: WSD ${(wsdMs / 1000).toFixed(1)} s vs cosine ${(cosMs / 1000).toFixed(1)} s |`;
  console.log(cost);
  rows.push(cost);
}
console.log(`\nend: ${uptime()}; backend ${backend}; train ${TRAIN}, val ${VAL}, batch ${BATCH}, peak lr ${LR}, cooldown ${F}`);
console.log('\n| model | params | steps S | val loss, WSD branch | val loss, cosine run | WSD / cosine |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
