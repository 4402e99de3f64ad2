/**
 * The kernel-level figures quoted in libs/models/README.md ("Backend selection"), printed, asserting nothing:
 * each wasm override against the built-in kernel it replaces, and the OpenBLAS kernels against both, on the
 * same inputs in the same process, rounds interleaved, median of the rounds.
 * - Transpose of the last two axes: (512, 128), (512, 512)
 * - flagged matmul 512x256ᵀ @ 512x1024 (transposeA): built-in wasm, the flag override, OpenBLAS
 * - batched matmul (32, 64, 16) @ (32, 16, 16) and (32, 64, 32) @ (32, 32, 16): built-in, the sliced override, OpenBLAS
 * - Slice of one blade from (1024, 16, 16) (innermost runs of 1 and 4): built-in, the copy-loop override
 * - sigmoid against tanh and erf (why gelu is written with sigmoid), on 512 x 512
 * - column sums of (512, 256): tf.sum over axis 0 against ones(1, M) @ x
 * Env: BENCH_ROUNDS (default 7).
 */
import * as tf from '@tensorflow/tfjs';
import { execSync } from 'node:child_process';
import { registerNativeKernels, setNativeKernels } from '../src/backend/native-blas.js';
import { registerBackendFixes } from '../src/backend/wasm-fixes.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await import('@tensorflow/tfjs-backend-wasm');
// the built-in kernels, captured before the overrides replace them
const builtin = new Map([tf.Transpose, tf.BatchMatMul, tf.Slice].map((k) => [k, tf.getKernel(k, 'wasm')!]));
registerBackendFixes();
if (!(await tf.setBackend('wasm'))) throw new Error('kernels.bench: the wasm backend did not initialise');
await tf.ready();
const fixed = new Map([tf.Transpose, tf.BatchMatMul, tf.Slice].map((k) => [k, tf.getKernel(k, 'wasm')!]));
const native = registerNativeKernels();
const blas = native.kernels === 'openblas';
setNativeKernels(false);
console.log(`tfjs ${tf.version.tfjs} wasm; ${native.detail}; median of ${ROUNDS} rounds; ${execSync('uptime').toString().trim().replace(/^.*load/, 'load')}`);

type Variant = [string, () => void];
/** Median ms per call of each variant, rounds interleaved across the variants. */
function race(variants: Variant[], reps: number): Map<string, number> {
  const times = new Map<string, number[]>(variants.map(([n]) => [n, []]));
  for (const [, f] of variants) f(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f] of variants) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) f();
      times.get(name)!.push((performance.now() - t0) / reps);
    }
  }
  return new Map(variants.map(([n]) => [n, median(times.get(n)!)]));
}
const show = (what: string, m: Map<string, number>) =>
  console.log(`${what}: ${[...m].map(([n, ms]) => `${n} ${ms < 1 ? ms.toFixed(3) : ms.toFixed(1)} ms`).join(', ')}`);

const backend = () => tf.backend() as unknown as { disposeData(id: tf.DataId): void };
/** Runs a kernel config directly (bypassing the registry, so a replaced built-in can still be timed). */
function direct(kernel: tf.KernelConfig, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): () => void {
  return () => {
    const out = kernel.kernelFunc({ inputs: inputs as unknown as tf.NamedTensorInfoMap, attrs: attrs as unknown as tf.NamedAttrMap, backend: tf.backend() }) as tf.TensorInfo;
    backend().disposeData(out.dataId);
  };
}
const viaOp = (f: () => tf.Tensor, on = false): (() => void) => () => {
  setNativeKernels(on);
  const y = f();
  y.dataSync();
  y.dispose();
  setNativeKernels(false);
};

for (const [r, c] of [[512, 128], [512, 512]]) {
  const x = tf.randomNormal([r, c]);
  show(`transpose (${r}, ${c})`, race([
    ['built-in', direct(builtin.get(tf.Transpose)!, { x }, { perm: [1, 0] })],
    ['override', direct(fixed.get(tf.Transpose)!, { x }, { perm: [1, 0] })],
  ], 20));
  x.dispose();
}

{
  const a = tf.randomNormal([512, 256]);
  const b = tf.randomNormal([512, 1024]);
  const v: Variant[] = [
    ['built-in (flag)', direct(builtin.get(tf.BatchMatMul)!, { a: a.reshape([1, 512, 256]), b: b.reshape([1, 512, 1024]) }, { transposeA: true, transposeB: false })],
    ['override (transpose, then no flag)', viaOp(() => tf.matMul(a, b, true, false))],
  ];
  if (blas) v.push(['openblas (flag)', viaOp(() => tf.matMul(a, b, true, false), true)]);
  show('matmul 512x256ᵀ @ 512x1024', race(v, 2));
  tf.dispose([a, b]);
}

for (const [bt, m, k, n] of [[32, 64, 16, 16], [32, 64, 32, 16]]) {
  const a = tf.randomNormal([bt, m, k]);
  const b = tf.randomNormal([bt, k, n]);
  const v: Variant[] = [
    ['built-in', direct(builtin.get(tf.BatchMatMul)!, { a, b }, { transposeA: false, transposeB: false })],
    ['sliced override', direct(fixed.get(tf.BatchMatMul)!, { a, b }, { transposeA: false, transposeB: false })],
  ];
  if (blas) v.push(['openblas', viaOp(() => tf.matMul(a, b), true)]);
  show(`batched matmul (${bt}, ${m}, ${k}) @ (${bt}, ${k}, ${n})`, race(v, 20));
  tf.dispose([a, b]);
}

{
  const x = tf.randomNormal([1024, 16, 16]);
  for (const run of [1, 4]) {
    const attrs = { begin: [0, 0, 3], size: [1024, 16, run] };
    show(`slice (1024, 16, 16) -> runs of ${run}`, race([
      ['built-in', direct(builtin.get(tf.Slice)!, { x }, attrs)],
      ['copy-loop override', direct(fixed.get(tf.Slice)!, { x }, attrs)],
    ], 20));
  }
  x.dispose();
}

{
  const x = tf.randomNormal([512, 512]);
  show('elementwise (512, 512)', race([
    ['sigmoid', viaOp(() => tf.sigmoid(x))],
    ['tanh', viaOp(() => tf.tanh(x))],
    ['erf', viaOp(() => tf.erf(x))],
  ], 10));
  x.dispose();
}

{
  const x = tf.randomNormal([512, 256]);
  const ones = tf.ones([1, 512]);
  const v: Variant[] = [
    ['tf.sum(x, 0)', viaOp(() => tf.sum(x, 0))],
    ['ones(1, M) @ x (wasm)', viaOp(() => tf.matMul(ones, x))],
  ];
  if (blas) v.push(['ones(1, M) @ x (openblas)', viaOp(() => tf.matMul(ones, x), true)]);
  show('column sums of (512, 256)', race(v, 20));
  tf.dispose([x, ones]);
}
