/**
 * Where a training step's time goes, per kernel, on both kernel paths (wasm, and wasm + OpenBLAS when
 * installed): tf.profile of one forward + backward step (MSE loss, batch 32 x 16 tokens, 8 vertex slots) of
 * the transformer w128 and GATr c4 s32 (2 blocks), summed over 3 profiled steps after 3 warm-up steps, top
 * kernels by time with their calls per step. Printed, asserting nothing. Nested entries (a custom-gradient
 * op's "forward", fused op wrappers) are left out so the shares add up to the leaf kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { execSync } from 'node:child_process';
import type { ModelDims } from '../src/api.js';
import { initBackend, kernelsInUse } from '../src/backend/init.js';
import { setNativeKernels } from '../src/backend/native-blas.js';
import { makeFixtureExamples } from '../src/task/fixture.js';
import { createNet } from '../src/train/nets.js';

await initBackend('wasm');
const kernels = kernelsInUse()!;
const paths = kernels.kernels === 'openblas' ? ['wasm', 'openblas'] : ['wasm'];
console.log(`${kernels.detail}; ${execSync('uptime').toString().trim().replace(/^.*load/, 'load')}`);
const shapes = { maxBodies: 16, maxVerts: 8, bodyFeatureCount: 3 };
const ex = makeFixtureExamples({ count: 32, ...shapes, seed: 1 });
const target = tf.tensor4d(ex.target, [32, 16, 8, 3]);
const models: ModelDims[] = [
  { family: 'transformer', width: 128, depth: 2, heads: 4, mlpRatio: 4 },
  { family: 'gatr', mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 },
];
const LEAF = (name: string) => !/^(forward|.*__op)$/.test(name);
for (const dims of models) {
  const net = createNet(dims, shapes, 1);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.predict(ex), target))) as tf.Scalar, net.variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  for (const path of paths) {
    setNativeKernels(path === 'openblas');
    for (let i = 0; i < 3; i++) step();
    const agg = new Map<string, { ms: number; n: number }>();
    for (let r = 0; r < 3; r++) {
      const p = await tf.profile(() => void step());
      for (const k of p.kernels) {
        if (!LEAF(k.name)) continue;
        const a = agg.get(k.name) ?? { ms: 0, n: 0 };
        a.ms += Number(k.kernelTimeMs);
        a.n++;
        agg.set(k.name, a);
      }
    }
    const total = [...agg.values()].reduce((s, a) => s + a.ms, 0) / 3;
    const calls = [...agg.values()].reduce((s, a) => s + a.n, 0) / 3;
    const name = dims.family === 'gatr' ? `gatr c${dims.mvChannels}` : `transformer w${dims.width}`;
    console.log(`\n${name} [${path}]: ${calls} kernels per step, ${total.toFixed(1)} ms of kernel time`);
    for (const [k, a] of [...agg].sort((x, y) => y[1].ms - x[1].ms).slice(0, 12)) {
      console.log(`  ${k.padEnd(18)} ${String(a.n / 3).padStart(5)} calls ${(a.ms / 3).toFixed(2).padStart(9)} ms ${((100 * a.ms) / 3 / total).toFixed(1).padStart(5)}%`);
    }
  }
  net.dispose();
}
