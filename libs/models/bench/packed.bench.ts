/**
 * Packed trials (src/train/packed.ts) against one trial at a time, printed, asserting nothing: trials per
 * core-hour at the study's three smallest transformer sizes (sizeLadder rungs 0-2), P trials of different
 * seeds and learning rates, each STEPS steps of batch 32 on 6 body slots x 8 vertex slots. Both sides train
 * the same P configs on the same data; rounds alternate (alone, packed, alone, ...) and each side's median
 * round is used, on each kernel path (OpenBLAS when installed, and wasm). One thread = one core.
 * Env: BENCH_PACK (default 8) trials, BENCH_STEPS (default 20), BENCH_ROUNDS (default 3).
 */
import { execSync } from 'node:child_process';
import type { TrialConfig } from '../src/api.js';
import { initBackend, kernelsInUse } from '../src/backend/init.js';
import { setNativeKernels } from '../src/backend/native-blas.js';
import { sizeLadder, summarize } from '../src/ladder.js';
import { makeFixtureExamples } from '../src/task/fixture.js';
import { trainPacked } from '../src/train/packed.js';
import { trainTrial } from '../src/train/trainer.js';

const P = Number(process.env.BENCH_PACK ?? 8);
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const shapes = { maxBodies: 6, maxVerts: 8, bodyFeatureCount: 3 };
const mk = (count: number, seed: number) => makeFixtureExamples({ count, ...shapes, seed });
const data = { train: mk(256, 1), val: mk(32, 2), test: mk(32, 3) };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => execSync('uptime').toString().trim().replace(/^.*load/, 'load');

await initBackend('wasm');
const kernels = kernelsInUse()!;
const paths = kernels.kernels === 'openblas' ? ['openblas', 'wasm'] : ['wasm'];
console.log(`${kernels.detail}; ${P} trials x ${STEPS} steps, batch 32, median of ${ROUNDS} alternating rounds; ${load()}`);
for (const rung of [0, 1, 2]) {
  const dims = sizeLadder('transformer', rung);
  const configs: TrialConfig[] = Array.from({ length: P }, (_, i) => ({
    family: 'transformer',
    augment: false,
    dims,
    steps: STEPS,
    batchSize: 32,
    lr: { peak: [1e-3, 3e-3, 1e-2][i % 3], kind: 'cosine', warmupSteps: 2, minRatio: 0.1, cooldownFraction: 0 },
    gradClip: 1,
    evalEvery: 0,
    evalExamples: 16,
    checkpointEvery: 0,
    seed: 100 + i,
  }));
  const params = summarize(dims, shapes).paramCount;
  for (const path of paths) {
    setNativeKernels(path === 'openblas');
    const alone: number[] = [];
    const packed: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t0 = performance.now();
      for (const c of configs) await trainTrial(c, data);
      alone.push((performance.now() - t0) / 1000);
      t0 = performance.now();
      trainPacked(configs, data);
      packed.push((performance.now() - t0) / 1000);
    }
    const perHour = (s: number) => (3600 * P) / s;
    const a = median(alone);
    const p = median(packed);
    console.log(
      `transformer rung ${rung} (width ${dims.family === 'transformer' ? dims.width : '?'}, ${params} params) [${path}]: ` +
        `one at a time ${a.toFixed(2)} s = ${perHour(a).toFixed(0)} trials/core-hour; packed ${p.toFixed(2)} s = ${perHour(p).toFixed(0)} trials/core-hour; gain ${(a / p).toFixed(2)}x`,
    );
  }
}
console.log(load());
