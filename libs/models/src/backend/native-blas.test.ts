// The OpenBLAS kernel path against the wasm kernels, in one process (the kernels are switched at run time).
// CI installs the library (.ci/run: apt-get install -y libopenblas0); without it these tests fail with the
// install command, except under EQUISCALE_KERNELS=wasm (the wasm-only configuration), where they are skipped
// with that reason printed.
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ModelDims, TrialConfig, TrialData } from '../api.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { deserializeCheckpoint } from '../train/checkpoint.js';
import { trainTrial } from '../train/trainer.js';
import { initBackend, kernelsInUse } from './init.js';
import { loadOpenBlas, nativeKernelsActive, openBlasUnavailableReason, setNativeKernels } from './native-blas.js';

const wasmOnly = process.env.EQUISCALE_KERNELS === 'wasm';
const skip = wasmOnly ? 'EQUISCALE_KERNELS=wasm: the OpenBLAS path is switched off' : false;
if (skip) console.log(`# native-blas tests skipped: ${skip}`);

before(async () => {
  if (wasmOnly) return;
  assert.ok(loadOpenBlas(), openBlasUnavailableReason());
  assert.equal(await initBackend('wasm'), 'wasm+openblas');
});
after(async () => {
  if (!wasmOnly) setNativeKernels(true);
});

/** Runs f on both paths; returns [openblas, wasm] results as plain arrays. */
function both(f: () => tf.Tensor | tf.Tensor[]): [Float32Array, Float32Array] {
  const run = (on: boolean) => {
    setNativeKernels(on);
    return tf.tidy(() => {
      const r = f();
      const list = Array.isArray(r) ? r : [r];
      return Float32Array.from(list.flatMap((t) => Array.from(t.dataSync())));
    });
  };
  const out: [Float32Array, Float32Array] = [run(true), run(false)];
  setNativeKernels(true);
  return out;
}

/** Max |x - y| relative to max |y| (float32 rounding of sums of k products: ~1e-7 per term). */
function relDiff(x: Float32Array, y: Float32Array): number {
  assert.equal(x.length, y.length);
  let d = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    d = Math.max(d, Math.abs(x[i] - y[i]));
    s = Math.max(s, Math.abs(y[i]));
  }
  return d / Math.max(s, 1e-30);
}

const TOL = 1e-5;

test('OpenBLAS loads through koffi, is OpenBLAS (not reference BLAS), and runs one thread', { skip }, () => {
  const lib = loadOpenBlas()!;
  assert.match(lib.config, /OpenBLAS/);
  assert.equal(lib.threads, 1);
  assert.equal(kernelsInUse()?.kernels, 'openblas');
  assert.ok(nativeKernelsActive());
});

test('BatchMatMul and _FusedMatMul on OpenBLAS equal the wasm kernels: every flag, batch broadcast, bias, relu', { skip }, () => {
  const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  const cases: [number[], number[], boolean, boolean][] = [
    [[37, 19], [19, 23], false, false],
    [[19, 37], [19, 23], true, false],
    [[37, 19], [23, 19], false, true],
    [[19, 37], [23, 19], true, true],
    [[5, 37, 19], [5, 19, 23], false, false],
    [[5, 19, 37], [5, 23, 19], true, true],
    [[5, 37, 19], [19, 23], false, false], // b broadcast over the batch
    [[37, 19], [5, 23, 19], false, true], // a broadcast over the batch
    [[1, 3, 7], [2, 4, 7, 5], false, false], // leading dims broadcast
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const what = `${JSON.stringify(sa)}${ta ? 'ᵀ' : ''} @ ${JSON.stringify(sb)}${tb ? 'ᵀ' : ''}`;
    const n = tb ? sb[sb.length - 2] : sb[sb.length - 1];
    const [x, y] = both(() => tf.matMul(r(sa, 1), r(sb, 2), ta, tb));
    assert.ok(relDiff(x, y) < TOL, `${what}: ${relDiff(x, y)}`);
    for (const activation of ['linear', 'relu'] as const) {
      const [fx, fy] = both(() => tf.fused.matMul({ a: r(sa, 1), b: r(sb, 2), transposeA: ta, transposeB: tb, bias: r([n], 3), activation }));
      assert.ok(relDiff(fx, fy) < TOL, `fused ${activation} ${what}: ${relDiff(fx, fy)}`);
    }
  }
  // a bias that is not one row (a column, which wasm's fused kernel rejects) goes through wasm's Add
  setNativeKernels(true);
  const bx = tf.tidy(() => tf.fused.matMul({ a: r([6, 4], 1), b: r([4, 5], 2), bias: r([6, 1], 3) }).dataSync() as Float32Array);
  setNativeKernels(false);
  const by = tf.tidy(() => tf.add(tf.matMul(r([6, 4], 1), r([4, 5], 2)), r([6, 1], 3)).dataSync() as Float32Array);
  assert.ok(relDiff(bx, by) < TOL);
  // the values themselves, not only agreement: [[1, 2], [3, 4]] @ [[5, 6], [7, 8]]ᵀ + [1, -100], relu
  setNativeKernels(true);
  const v = tf.fused.matMul({ a: tf.tensor2d([1, 2, 3, 4], [2, 2]), b: tf.tensor2d([5, 6, 7, 8], [2, 2]), transposeB: true, bias: tf.tensor1d([1, -100]), activation: 'relu' });
  assert.deepEqual(Array.from(v.dataSync()), [18, 0, 40, 0]);
  v.dispose();
});

test('OpenBLAS matmul is correct when its output allocation grows (and detaches) the wasm heap', { skip }, () => {
  setNativeKernels(true);
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  const before = heap();
  // an output larger than the whole current heap forces memory.grow inside the kernel
  const cols = Math.ceil(before / 4 / 64) + 1024;
  const a = tf.ones([64, 2]);
  const b = tf.fill([2, cols], 0.5);
  const c = tf.matMul(a, b);
  assert.ok(heap() > before, 'the heap grew');
  const d = c.dataSync();
  assert.equal(d.length, 64 * cols);
  assert.equal(d[0], 1);
  assert.equal(d[d.length - 1], 1);
  assert.equal(d[(d.length / 2) | 0], 1);
  tf.dispose([a, b, c]);
});

test('matMul gradients with flags (sgemm flags, no transposes) equal the wasm path', { skip }, () => {
  const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const [x, y] = both(() => {
      const a = r(ta ? [3, 7, 5] : [3, 5, 7], 1);
      const b = r(tb ? [1, 4, 7] : [1, 7, 4], 2); // broadcast batch: its gradient is summed over the batch
      return tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D, ta, tb))))([a, b]);
    });
    assert.ok(relDiff(x, y) < TOL, `grads ta=${ta} tb=${tb}: ${relDiff(x, y)}`);
  }
});

const mk = (count: number, seed: number) => makeFixtureExamples({ count, maxBodies: 4, maxVerts: 4, seed });
const data: TrialData = { train: mk(64, 1), val: mk(16, 2), test: mk(16, 3) };
const config = (dims: ModelDims, over: Partial<TrialConfig> = {}): TrialConfig => ({
  family: dims.family,
  augment: false,
  dims,
  steps: 8,
  batchSize: 16,
  lr: { peak: 3e-3, kind: 'cosine', warmupSteps: 2, minRatio: 0.1, cooldownFraction: 0 },
  gradClip: 1,
  evalEvery: 0,
  evalExamples: 16,
  checkpointEvery: 0,
  logEvery: 1,
  seed: 5,
  ...over,
});
const families: ModelDims[] = [
  { family: 'transformer', width: 32, depth: 2, heads: 4, mlpRatio: 4 },
  { family: 'gatr', mvChannels: 4, sChannels: 16, blocks: 1, heads: 2 },
];

/**
 * Tolerance for the losses of 8 training steps on the two paths: 1e-5 relative. The paths sum the same
 * products in different orders (float32 rounding, ~1e-7 relative per matmul), which Adam's early steps
 * (update ≈ lr·sign(g)) can amplify; measured: max 8.3e-7 (transformer), 1.8e-7 (GATr).
 */
const LOSS_TOL = 1e-5;

for (const dims of families) {
  test(`${dims.family}: 8 training steps give the same losses on OpenBLAS and wasm (relative ${LOSS_TOL})`, { skip }, async () => {
    const losses = async (on: boolean) => {
      setNativeKernels(on);
      const seen: number[] = [];
      const out = await trainTrial(config(dims), data, { onMetrics: (p) => void seen.push(...p.filter((m) => m.split === 'train').map((m) => m.loss)) });
      assert.equal(out.status, 'completed');
      assert.equal(out.backend, on ? 'wasm+openblas' : 'wasm');
      return { seen, test: out.testLoss! };
    };
    const wasm = await losses(false);
    const blas = await losses(true);
    assert.equal(blas.seen.length, 8);
    const rel = blas.seen.map((l, i) => Math.abs(l - wasm.seen[i]) / wasm.seen[i]);
    const what = `openblas ${blas.seen.map((x) => x.toPrecision(7)).join(' ')} vs wasm ${wasm.seen.map((x) => x.toPrecision(7)).join(' ')}`;
    console.log(`# ${dims.family}: max relative loss difference ${Math.max(...rel).toExponential(2)}`);
    assert.ok(Math.max(...rel) < LOSS_TOL, what);
    assert.ok(Math.abs(blas.test - wasm.test) / wasm.test < LOSS_TOL, `test loss ${blas.test} vs ${wasm.test}`);
    assert.ok(blas.seen.at(-1)! < blas.seen[0], `loss falls: ${what}`);
  });
}

test('on OpenBLAS, train 4 + checkpoint + restore + train 4 equals train 8 bit for bit (both families)', { skip }, async () => {
  setNativeKernels(true);
  for (const dims of families) {
    const c = config(dims, { checkpointEvery: 4 });
    const straight: Uint8Array[] = [];
    const a = await trainTrial(c, data, { onCheckpoint: (ck) => void straight.push(ck) });
    let stopped: Uint8Array | null = null;
    let steps = 0;
    const b1 = await trainTrial({ ...c, checkpointEvery: 0 }, data, {
      onProgress: (s) => (steps = s),
      shouldStop: () => steps === 4,
      onCheckpoint: (ck) => void (stopped = ck),
    });
    assert.equal(b1.status, 'stopped');
    const resumed: Uint8Array[] = [];
    const b2 = await trainTrial(c, data, { onCheckpoint: (ck) => void resumed.push(ck) }, stopped!);
    assert.equal(b2.backend, 'wasm+openblas');
    const x = deserializeCheckpoint(straight[1]);
    const y = deserializeCheckpoint(resumed[0]);
    assert.equal(x.header.step, 8);
    assert.deepEqual(Buffer.from(y.params.buffer), Buffer.from(x.params.buffer), dims.family);
    assert.deepEqual(Buffer.from(y.m.buffer), Buffer.from(x.m.buffer));
    assert.deepEqual(Buffer.from(y.v.buffer), Buffer.from(x.v.buffer));
    assert.equal(b2.testLoss, a.testLoss);
  }
});

test('EQUISCALE_KERNELS: wasm forces the wasm kernels; a bad value is one clear error', async () => {
  const saved = process.env.EQUISCALE_KERNELS;
  try {
    process.env.EQUISCALE_KERNELS = 'wasm';
    assert.equal(await initBackend('wasm'), 'wasm');
    assert.equal(kernelsInUse()?.kernels, 'wasm');
    assert.ok(!nativeKernelsActive());
    process.env.EQUISCALE_KERNELS = 'blas';
    await assert.rejects(initBackend('wasm'), /EQUISCALE_KERNELS must be one of auto, wasm, openblas \(got "blas"\)/);
  } finally {
    if (saved === undefined) delete process.env.EQUISCALE_KERNELS;
    else process.env.EQUISCALE_KERNELS = saved;
    if (!wasmOnly) assert.equal(await initBackend('wasm'), 'wasm+openblas');
  }
});

/** initBackend('wasm') in a fresh process with `env`; returns its printed result or error line. */
function initIn(env: Record<string, string>): { status: number | null; out: string } {
  const init = fileURLToPath(new URL('./init.ts', import.meta.url));
  const code = `import { initBackend, kernelsInUse } from ${JSON.stringify(init)};
try { console.log(await initBackend('wasm'), '|', kernelsInUse().detail); } catch (e) { console.log('error |', e.message); process.exit(3); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: (r.stdout + r.stderr).trim() };
}

test('detection: a library that is not OpenBLAS (e.g. libm) is refused; auto falls back to wasm, openblas is an error', { skip }, () => {
  const auto = initIn({ EQUISCALE_OPENBLAS: 'libm.so.6', EQUISCALE_KERNELS: 'auto' });
  assert.equal(auto.status, 0, auto.out);
  assert.match(auto.out, /^wasm \| wasm kernels \(OpenBLAS not found \(libm\.so\.6: .*apt-get install -y libopenblas0/);
  const forced = initIn({ EQUISCALE_OPENBLAS: 'libm.so.6', EQUISCALE_KERNELS: 'openblas' });
  assert.equal(forced.status, 3, forced.out);
  assert.match(forced.out, /^error \| EQUISCALE_KERNELS=openblas but OpenBLAS not found/);
  const missing = initIn({ EQUISCALE_OPENBLAS: '/nonexistent/libopenblas.so.0', EQUISCALE_KERNELS: 'auto' });
  assert.match(missing.out, /^wasm \| wasm kernels/);
  const found = initIn({ EQUISCALE_KERNELS: 'auto' });
  assert.match(found.out, /^wasm\+openblas \| OpenBLAS matmul kernels \(libopenblas\.so\.0: OpenBLAS /);
});
