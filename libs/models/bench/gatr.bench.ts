/**
 * GATr forward + backward step time on the wasm backend, with the wasm matmul kernels and with the OpenBLAS
 * kernels (when installed), printed, asserting nothing.
 * For each size: ms per step (gradients of an MSE loss w.r.t. every variable, batch 32 x 16 body tokens,
 * 8 vertex slots), nominal and executed FLOPs per step and the achieved rates, next to the baseline
 * transformer measured in the same run, and GATr's time per nominal FLOP relative to the transformer's.
 * The per-step time is the median of the measured steps (the machine is shared; the median resists
 * interference); the transformer's and both GATr variants' steps on both paths alternate round by round, so
 * every ratio compares steps taken under the same load. Env: BENCH_STEPS (default 5) measured steps per size.
 */
import * as tf from '@tensorflow/tfjs';
import type { GatrDims, TaskShapes, TransformerDims } from '../src/api.js';
import { execSync } from 'node:child_process';
import { initBackend, kernelsInUse } from '../src/backend/init.js';
import { setNativeKernels } from '../src/backend/native-blas.js';
import { createGatrModel, type GatrModelOptions } from '../src/gatr/index.js';
import type { Net } from '../src/task/net.js';
import { makeFixtureExamples } from '../src/task/fixture.js';
import { createTransformerModel } from '../src/transformer/model.js';

type Path = 'wasm' | 'openblas';
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const WARMUP = 1;
const BATCH = 32;
const shapesOf = (bodies: number): TaskShapes => ({ maxBodies: bodies, maxVerts: 8, bodyFeatureCount: 3 });

/** A forward + backward step function of a net (gradients of an MSE loss w.r.t. every variable). */
function stepOf(net: Net, bodies: number): { step: () => void; dispose: () => void } {
  const ex = makeFixtureExamples({ count: BATCH, maxBodies: bodies, maxVerts: 8, seed: 1 });
  const target = tf.tensor4d(ex.target, [BATCH, bodies, 8, 3]);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.predict(ex), target))) as tf.Scalar, net.variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { step, dispose: () => target.dispose() };
}

/**
 * Median ms per step of each (net, kernel path) pair, the steps interleaved round by round (every pair once per
 * round), so that load changes on the shared machine hit every pair alike and the ratios stay comparable.
 */
function interleaved(nets: { net: Net; bodies: number }[], paths: Path[]): number[][] {
  const steps = nets.map(({ net, bodies }) => stepOf(net, bodies));
  const times = nets.map(() => paths.map(() => [] as number[]));
  for (let round = 0; round < WARMUP + STEPS; round++) {
    steps.forEach((s, i) =>
      paths.forEach((p, j) => {
        setNativeKernels(p === 'openblas');
        const t0 = performance.now();
        s.step();
        if (round >= WARMUP) times[i][j].push(performance.now() - t0);
      }),
    );
  }
  steps.forEach((s) => s.dispose());
  return times.map((perPath) => perPath.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!));
}

function row(name: string, params: number, ms: number, nominal: number, executed: number): number {
  const perNominal = ms / nominal;
  console.log(
    `${name.padEnd(44)} params ${String(params).padStart(8)}  ${ms.toFixed(1).padStart(7)} ms/step  ` +
      `nominal ${(nominal / 1e9).toFixed(3)} GF (${((nominal / ms) * 1e-6).toFixed(2)} GF/s)  ` +
      `executed ${(executed / 1e9).toFixed(3)} GF (${((executed / ms) * 1e-6).toFixed(2)} GF/s)`,
  );
  return perNominal;
}

const backendName = await initBackend('wasm');
const kernels = kernelsInUse()!;
const paths: Path[] = kernels.kernels === 'openblas' ? ['wasm', 'openblas'] : ['wasm'];
const bodies = 16;
const shapes = shapesOf(bodies);
const load = () => execSync('uptime').toString().trim().replace(/^.*load/, 'load');
console.log(`backend ${backendName}; ${kernels.detail}; batch ${BATCH} x ${bodies} tokens, median of ${STEPS} steps per size and path, interleaved; ${load()}`);
const sizes: [GatrDims, TransformerDims][] = [
  [{ family: 'gatr', mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 }, { family: 'transformer', width: 48, depth: 2, heads: 4, mlpRatio: 4 }],
  [{ family: 'gatr', mvChannels: 8, sChannels: 64, blocks: 2, heads: 8 }, { family: 'transformer', width: 96, depth: 2, heads: 4, mlpRatio: 4 }],
  [{ family: 'gatr', mvChannels: 16, sChannels: 128, blocks: 2, heads: 8 }, { family: 'transformer', width: 192, depth: 2, heads: 8, mlpRatio: 4 }],
];
for (const [g, t] of sizes) {
  const tnet = createTransformerModel(t, shapes, 1);
  const gnets = (['ignore', 'symmetrize'] as GatrModelOptions['reflections'][]).map((reflections) => ({ reflections, model: createGatrModel(g, shapes, 1, { reflections }) }));
  const ms = interleaved([{ net: tnet, bodies }, ...gnets.map((x) => ({ net: x.model, bodies }))], paths);
  paths.forEach((p, j) => {
    const tPer = row(`[${p}] transformer w${t.width} d${t.depth}`, tnet.summary.paramCount, ms[0][j], BATCH * tnet.summary.nominalFlopsPerSample, BATCH * tnet.summary.executedFlopsPerSample);
    gnets.forEach(({ reflections, model }, i) => {
      const f = model.flops();
      const per = row(`[${p}] gatr c${g.mvChannels} s${g.sChannels} b${g.blocks} (${reflections})`, model.paramCount, ms[i + 1][j], BATCH * f.nominalFlopsPerSample, BATCH * f.executedFlopsPerSample);
      console.log(`${''.padEnd(44)} time per nominal FLOP: ${(per / tPer).toFixed(2)}x the transformer's`);
    });
  });
  tnet.dispose();
  gnets.forEach((x) => x.model.dispose());
}
console.log(load());
