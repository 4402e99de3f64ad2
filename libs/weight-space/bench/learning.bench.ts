/**
 * The three weight-space families at two matched compute budgets (printed, asserting nothing; ~10 min on 2 shared
 * cores). Data: defaultWeightSpaceConfig() (INRs 1-16-16-1, sine, frequency target), BENCH_TRAIN training INRs
 * (default 1000), the config's 512 val and 512 test INRs; cached in .equiscale/data.
 * Sizes: mlp / mlp+permute width 128 depth 2 and dwsnet c = 8, 3 layers, head 32, chosen so that their FLOPs per
 * training sample match (3.5e5 and 3.4e5); a budget C gives each family steps = C / (FLOPs per sample * batch 32).
 * Learning rate per family chosen on VALIDATION at the small budget from {3e-3, 1e-2}, then reused at the large one.
 * Adam, cosine schedule (5% warmup, floor 0.1), gradClip 1, seed 1, wasm backend. Test loss is only reported.
 * Env: BENCH_TRAIN, BENCH_BUDGETS (comma list of FLOPs, default 3.3e9,1.3e10), BENCH_LRS (default 3e-3,1e-2).
 */
import { execSync } from 'node:child_process';
import { defaultWeightSpaceConfig, loadWeightSpaceDataset, summarizeWeightSpace, weightSpaceBaselines, type WeightSpaceDims } from '../src/index.js';
import { initBackend, trainWeightSpaceTrial } from '../src/train/index.js';

const TRAIN = Number(process.env.BENCH_TRAIN ?? 1000);
const BUDGETS = (process.env.BENCH_BUDGETS ?? '3.3e9,1.3e10').split(',').map(Number);
const LRS = (process.env.BENCH_LRS ?? '3e-3,1e-2').split(',').map(Number);
const BATCH = 32;

const uptime = () => {
  try {
    return execSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'uptime unavailable';
  }
};
console.log(`start: ${uptime()}`);
const cfg = defaultWeightSpaceConfig();
const t0 = performance.now();
const ds = await loadWeightSpaceDataset(cfg, { trainSize: TRAIN, cacheDir: '.equiscale/data' });
console.log(`data: INRs ${ds.train.sizes.join('-')} (${cfg.activation}), targets ${cfg.targets.join(',')}, train ${ds.train.count}, val ${ds.val.count}, test ${ds.test.count}; ` +
  `cache ${JSON.stringify(ds.cache)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const base = weightSpaceBaselines(ds);
console.log(`baseline (predict the train mean): val ${base[0].loss.toFixed(4)}, test ${base[1].loss.toFixed(4)}`);
const backend = await initBackend('wasm');
const shapes = { sizes: ds.train.sizes, targetCount: cfg.targets.length };
const families: [string, WeightSpaceDims][] = [
  ['mlp', { arch: 'mlp', width: 128, depth: 2 }],
  ['mlp+permute', { arch: 'mlp', width: 128, depth: 2 }],
  ['dwsnet', { arch: 'dwsnet', channels: 8, layers: 3, headWidth: 32 }],
];

async function run(family: string, dims: WeightSpaceDims, budget: number, lr: number) {
  const s = summarizeWeightSpace(family, dims, shapes);
  const steps = Math.max(1, Math.round(budget / (s.nominalFlopsPerSample * BATCH)));
  const started = performance.now();
  const out = await trainWeightSpaceTrial(
    {
      family,
      dims,
      steps,
      batchSize: BATCH,
      lr: { peak: lr, kind: 'cosine', warmupSteps: Math.round(steps / 20), minRatio: 0.1, cooldownFraction: 0 },
      gradClip: 1,
      evalEvery: 0,
      evalExamples: 512,
      checkpointEvery: 0,
      seed: 1,
    },
    ds,
  );
  const ms = (performance.now() - started) / steps;
  // train loss: the trainer's last logged window (steps/200 steps, at the end of the cosine schedule)
  return { family, s, steps, lr, out, ms, compute: steps * BATCH * s.nominalFlopsPerSample };
}

const rows: string[] = [];
const chosen = new Map<string, number>();
for (const [bi, budget] of BUDGETS.entries()) {
  for (const [family, dims] of families) {
    const lrs = bi === 0 ? LRS : [chosen.get(family)!];
    const results = [];
    for (const lr of lrs) {
      const r = await run(family, dims, budget, lr);
      console.log(`  ${family} budget ${budget.toExponential(1)} lr ${lr}: ${r.steps} steps, val ${r.out.valLoss?.toFixed(4)} (${r.out.status}), ${r.ms.toFixed(1)} ms/step`);
      results.push(r);
    }
    const best = results.reduce((a, b) => ((b.out.valLoss ?? Infinity) < (a.out.valLoss ?? Infinity) ? b : a));
    if (bi === 0) chosen.set(family, best.lr);
    rows.push(
      `| ${budget.toExponential(1)} | ${family} | ${best.s.paramCount} | ${best.s.nominalFlopsPerSample.toExponential(2)} | ${best.steps} | ${best.lr} | ` +
        `${best.out.trainLoss?.toFixed(4)} | ${best.out.valLoss?.toFixed(4)} | ${best.out.perTarget?.val.map((v) => v.toFixed(3)).join(' / ')} | ` +
        `${best.out.testLoss?.toFixed(4)} | ${best.ms.toFixed(0)} |`,
    );
  }
}
console.log(`\nbackend ${backend}; baseline val ${base[0].loss.toFixed(4)} / test ${base[1].loss.toFixed(4)}`);
console.log(`| compute (FLOPs) | family | params | FLOPs/sample | steps | lr (val-selected) | train MSE (last window) | val MSE | val per target (${cfg.targets.join(' / ')}) | test MSE | ms/step |`);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`end: ${uptime()}`);
