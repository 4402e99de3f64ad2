import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './init.js';

// These tests cover the wasm kernels and their overrides; the OpenBLAS path is tested in native-blas.test.ts.
process.env.EQUISCALE_KERNELS = 'wasm';

afterEach(() => {
  delete process.env.EQUISCALE_BACKEND;
});

async function nativeInstalled(): Promise<boolean> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(name);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

test('initBackend: falls back past the optional native backend to wasm, and honours cpu', async () => {
  // without tfjs-node installed (the default here), a 'tensorflow' preference must fall through to wasm
  assert.equal(await initBackend('tensorflow'), (await nativeInstalled()) ? 'tensorflow' : 'wasm');
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('initBackend: EQUISCALE_BACKEND overrides the preference; a bad value is a clear error', async () => {
  process.env.EQUISCALE_BACKEND = 'cpu';
  assert.equal(await initBackend('wasm'), 'cpu');
  process.env.EQUISCALE_BACKEND = 'gpu';
  await assert.rejects(initBackend(), /EQUISCALE_BACKEND must be one of tensorflow, wasm, cpu/);
});

test('wasm: gather gradient (UnsortedSegmentSum fallback) equals the cpu result', async () => {
  const run = () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const idx = tf.tensor1d([2, 0, 2, 1], 'int32');
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), w)))(x);
    return Array.from(g.dataSync());
  };
  await initBackend('cpu');
  const onCpu = run();
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.deepEqual(run(), onCpu);
  assert.deepEqual(onCpu, [3, 4, 7, 8, 6, 8]);
});

test('wasm: matMul gradients with transposes equal the cpu result', async () => {
  const run = () => {
    const a = tf.tensor3d(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [2, 4, 3]);
    const b = tf.tensor3d(Array.from({ length: 40 }, (_, i) => Math.cos(i)), [2, 4, 5]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, true, false))))([a, b]);
    return [...ga.dataSync(), ...gb.dataSync()];
  };
  await initBackend('cpu');
  const onCpu = run();
  await initBackend('wasm');
  const onWasm = run();
  onCpu.forEach((v, i) => assert.ok(Math.abs(v - onWasm[i]) < 1e-4 * (1 + Math.abs(v))));
});

test('wasm: transposes (blocked override and the original kernel) equal the cpu result', async () => {
  const cases: [number[], number[]][] = [
    [[300, 70], [1, 0]],
    [[5, 90, 64], [0, 2, 1]],
    [[1, 128, 1, 96], [0, 3, 2, 1]],
    [[4, 30, 50], [1, 0, 2]],
    [[3, 4], [1, 0]],
    // more than one 128-column block, row counts that are not multiples of 8
    [[13, 300], [1, 0]],
    [[2, 21, 150], [0, 2, 1]],
  ];
  const run = () =>
    cases.map(([shape, perm]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(Float32Array.from({ length: n }, (_, i) => i), shape);
      const y = tf.transpose(x, perm);
      return { shape: y.shape, data: Array.from(y.dataSync()) };
    });
  await initBackend('cpu');
  const onCpu = run();
  await initBackend('wasm');
  assert.deepEqual(run(), onCpu);
});

test('wasm: slices with short innermost runs (loop override) and others (original kernel) equal the cpu result', async () => {
  const cases: [number[], number[], number[]][] = [
    [[64, 16, 16], [0, 0, 3], [-1, -1, 1]],
    [[64, 16, 16], [5, 2, 9], [7, 11, 4]],
    [[30, 10], [3, 2], [20, 7]],
    [[3, 5, 6, 9], [1, 0, 2, 1], [2, 5, 3, 5]],
    [[3, 5, 6, 9], [0, 1, 0, 0], [-1, 2, -1, -1]], // whole innermost rows: original kernel
    [[40, 50], [1, 3], [10, 30]], // long runs: original kernel
  ];
  const run = () =>
    cases.map(([shape, begin, size]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(Float32Array.from({ length: n }, (_, i) => i), shape);
      const y = tf.slice(x, begin, size);
      const out = { shape: y.shape, data: Array.from(y.dataSync()) };
      tf.dispose([x, y]);
      return out;
    });
  await initBackend('cpu');
  const onCpu = run();
  await initBackend('wasm');
  assert.deepEqual(run(), onCpu);
});

test('wasm: batched matmuls (split into 2-D products) equal the cpu result, with broadcasting, and free their temporaries', async () => {
  const t = (shape: number[], f: number) => tf.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(f * i)), shape);
  const cases: [number[], number[]][] = [
    [[3, 40, 30], [3, 30, 20]], // split
    [[2, 3, 17, 33], [2, 3, 33, 19]], // two batch axes
    [[1, 40, 30], [4, 30, 20]], // a broadcast
    [[4, 40, 30], [30, 20]], // b broadcast (rank 2)
    [[2, 1, 40, 30], [2, 3, 30, 20]], // mixed broadcast: the original kernel
    [[5, 4, 3], [5, 3, 2]], // below the size threshold: the original kernel
  ];
  const run = () =>
    tf.tidy(() =>
      cases.map(([sa, sb]) => {
        const y = tf.matMul(t(sa, 0.37), t(sb, 0.11));
        return { shape: y.shape, data: Array.from(y.dataSync()) };
      }),
    );
  await initBackend('cpu');
  const onCpu = run();
  await initBackend('wasm');
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  const ids = backend.numDataIds();
  const onWasm = run();
  assert.equal(backend.numDataIds(), ids, 'no wasm buffers left behind');
  onCpu.forEach((c, j) => {
    assert.deepEqual(onWasm[j].shape, c.shape);
    c.data.forEach((v, i) => assert.ok(Math.abs(v - onWasm[j].data[i]) < 1e-4 * (1 + Math.abs(v)), `case ${j} [${i}] ${v} vs ${onWasm[j].data[i]}`));
  });
});

test('wasm: flagged and batched (fused) matmuls equal the cpu result and free their temporaries', async () => {
  const run = () =>
    tf.tidy(() => {
      const a = tf.tensor3d(Array.from({ length: 2 * 160 * 130 }, (_, i) => Math.sin(i)), [2, 160, 130]);
      const b = tf.tensor3d(Array.from({ length: 2 * 160 * 140 }, (_, i) => Math.cos(i)), [2, 160, 140]);
      const c = tf.matMul(a, b, true, false); // (2, 130, 140)
      const e = tf.tensor3d(Array.from({ length: 2 * 150 * 140 }, (_, i) => Math.sin(0.3 * i)), [2, 150, 140]);
      // batch > 1: tfjs-wasm 4.22's own fused kernel gets this wrong; the override must not
      const bias3 = tf.tensor1d(Array.from({ length: 150 }, (_, i) => i / 100 - 0.7));
      const d = tf.fused.matMul({ a: c, b: e, transposeB: true, bias: bias3, activation: 'relu' }); // (2, 130, 150)
      const x2 = tf.tensor2d(Array.from({ length: 70 * 40 }, (_, i) => Math.sin(0.7 * i)), [70, 40]);
      const w2 = tf.tensor2d(Array.from({ length: 30 * 40 }, (_, i) => Math.cos(0.2 * i)), [30, 40]);
      const bias = tf.tensor1d(Array.from({ length: 30 }, (_, i) => i / 10 - 1.5));
      const f = tf.fused.matMul({ a: x2, b: w2, transposeB: true, bias, activation: 'relu' }); // (70, 30)
      return [...c.dataSync(), ...d.dataSync(), ...f.dataSync()];
    });
  await initBackend('cpu');
  const onCpu = run();
  await initBackend('wasm');
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  const ids = backend.numDataIds();
  const onWasm = run();
  assert.equal(backend.numDataIds(), ids, 'no wasm buffers left behind');
  assert.equal(onWasm.length, 2 * 130 * 140 + 2 * 130 * 150 + 70 * 30);
  onCpu.forEach((v, i) => assert.ok(Math.abs(v - onWasm[i]) < 1e-3 * (1 + Math.abs(v)), `[${i}] ${v} vs ${onWasm[i]}`));
});
