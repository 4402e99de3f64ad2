/**
 * GATr forward + backward step time on the wasm backend, printed, asserting nothing.
 * For each size: ms per step (gradients of an MSE loss w.r.t. every variable, batch 32 x 16 body tokens,
 * 8 vertex slots), nominal and executed FLOPs per step and the achieved rates, next to the baseline
 * transformer measured in the same run, and GATr's time per nominal FLOP relative to the transformer's.
 * The per-step time is the median of the measured steps (the machine is shared; the median resists
 * interference). Env: BENCH_STEPS (default 5) measured steps per size.
 */
import * as tf from '@tensorflow/tfjs';
import type { GatrDims, TaskShapes, TransformerDims } from '../src/api.js';
import { registerBackendFixes } from '../src/backend/wasm-fixes.js';
import { createGatrModel, type GatrModelOptions } from '../src/gatr/index.js';
import type { Net } from '../src/task/net.js';
import { makeFixtureExamples } from '../src/task/fixture.js';
import { createTransformerModel } from '../src/transformer/model.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const WARMUP = 1;
const BATCH = 32;
const shapesOf = (bodies: number): TaskShapes => ({ maxBodies: bodies, maxVerts: 8, bodyFeatureCount: 3 });

async function msPerStep(net: Net, bodies: number): Promise<number> {
  const ex = makeFixtureExamples({ count: BATCH, maxBodies: bodies, maxVerts: 8, seed: 1 });
  const target = tf.tensor4d(ex.target, [BATCH, bodies, 8, 3]);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.predict(ex), target))) as tf.Scalar, net.variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  for (let i = 0; i < WARMUP; i++) step();
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  target.dispose();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
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

await import('@tensorflow/tfjs-backend-wasm');
if (!(await tf.setBackend('wasm'))) throw new Error('gatr.bench: the wasm backend did not initialise');
registerBackendFixes();
const bodies = 16;
const shapes = shapesOf(bodies);
console.log(`backend ${tf.getBackend()}, batch ${BATCH} x ${bodies} tokens, ${STEPS} steps per size`);
const sizes: [GatrDims, TransformerDims][] = [
  [{ family: 'gatr', mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 }, { family: 'transformer', width: 48, depth: 2, heads: 4, mlpRatio: 4 }],
  [{ family: 'gatr', mvChannels: 8, sChannels: 64, blocks: 2, heads: 8 }, { family: 'transformer', width: 96, depth: 2, heads: 4, mlpRatio: 4 }],
  [{ family: 'gatr', mvChannels: 16, sChannels: 128, blocks: 2, heads: 8 }, { family: 'transformer', width: 192, depth: 2, heads: 8, mlpRatio: 4 }],
];
for (const [g, t] of sizes) {
  const tnet = createTransformerModel(t, shapes, 1);
  const tms = await msPerStep(tnet, bodies);
  const tPer = row(`transformer w${t.width} d${t.depth}`, tnet.summary.paramCount, tms, BATCH * tnet.summary.nominalFlopsPerSample, BATCH * tnet.summary.executedFlopsPerSample);
  tnet.dispose();
  for (const reflections of ['ignore', 'symmetrize'] as GatrModelOptions['reflections'][]) {
    const model = createGatrModel(g, shapes, 1, { reflections });
    const ms = await msPerStep(model, bodies);
    const f = model.flops();
    const per = row(`gatr c${g.mvChannels} s${g.sChannels} b${g.blocks} (${reflections})`, model.paramCount, ms, BATCH * f.nominalFlopsPerSample, BATCH * f.executedFlopsPerSample);
    console.log(`${''.padEnd(44)} time per nominal FLOP: ${(per / tPer).toFixed(2)}x the transformer's`);
    model.dispose();
  }
}
