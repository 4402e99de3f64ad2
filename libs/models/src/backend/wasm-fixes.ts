/**
 * Gradient and kernel fixes registered once, for every backend (they are correct everywhere and fast on wasm).
 *
 * - BatchMatMul gradient: tfjs's own gradient calls matMul with transpose flags, which the wasm backend runs
 *   10-15x slower than an explicit transpose followed by a plain matMul. This override never passes flags.
 * - UnsortedSegmentSum (needed by gather's gradient) has no wasm kernel: a plain TypeScript fallback.
 * - Transpose of the last two axes on wasm: a TypeScript kernel (the built-in one is slow).
 * - BatchMatMul on wasm with batch > 1: one batch-1 (XNNPACK) product per matrix inside the kernel.
 * - Slice on wasm with short innermost runs: a plain copy loop.
 * - (Fused) BatchMatMul on wasm with transpose flags: transpose first, then the flag-free kernel.
 * - _FusedMatMul on wasm with batch > 1 (wrong results in tfjs 4.22): matmul, bias add, activation.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsActive } from './native-blas.js';

let registered = false;

/** Swap the last two axes of a tensor of rank >= 2. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/**
 * opA(a) @ opB(b). With the OpenBLAS kernels on, the flags go to sgemm (free); otherwise the flagged operand
 * is transposed explicitly first (what the wasm flag override would do anyway; cpu runs the same sums).
 */
export function matMulT(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (nativeKernelsActive()) return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? transposeLast2(a) : a, transposeB ? transposeLast2(b) : b);
}

/** Sum a broadcast gradient back to the shape of the input it belongs to (leading batch axes only). */
function reduceToShape(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const gb = g.shape.slice(0, -2);
  const tb = shape.slice(0, -2);
  const axes: number[] = [];
  const offset = gb.length - tb.length;
  for (let i = 0; i < gb.length; i++) {
    if (i < offset || tb[i - offset] === 1) axes.push(i);
  }
  const summed = axes.length ? tf.sum(g, axes) : g;
  return tf.reshape(summed, shape);
}

function registerMatMulGradient(): void {
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const g = dy as tf.Tensor;
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      // forward: C = opA(A) @ opB(B); with A' = opA(A), B' = opB(B): dA' = dC @ B'^T, dB' = A'^T @ dC.
      if (nativeKernelsActive()) {
        // sgemm takes the flags for free: dA = opA^-1(dC @ B'^T), dB = opB^-1(A'^T @ dC) without transposes
        return {
          a: () => reduceToShape(transposeA ? tf.matMul(b, g, transposeB, true) : tf.matMul(g, b, false, !transposeB), a.shape),
          b: () => reduceToShape(transposeB ? tf.matMul(g, a, true, transposeA) : tf.matMul(a, g, !transposeA, false), b.shape),
        };
      }
      const ap = () => (transposeA ? transposeLast2(a) : a);
      const bp = () => (transposeB ? transposeLast2(b) : b);
      return {
        a: () => {
          const dap = tf.matMul(g, transposeLast2(bp()));
          return reduceToShape(transposeA ? transposeLast2(dap) : dap, a.shape);
        },
        b: () => {
          const dbp = tf.matMul(transposeLast2(ap()), g);
          return reduceToShape(transposeB ? transposeLast2(dbp) : dbp, b.shape);
        },
      };
    },
  });
}

function registerWasmSegmentSum(): void {
  const exists = tf.getKernelsForBackend('wasm').some((k) => k.kernelName === tf.UnsortedSegmentSum);
  if (exists) return;
  tf.registerKernel({
    kernelName: tf.UnsortedSegmentSum,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as unknown as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const be = backend as unknown as {
        readSync(id: tf.DataId): tf.backend_util.BackendValues;
        makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
        typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
      };
      if (x.dtype !== 'float32') throw new Error(`UnsortedSegmentSum (wasm fallback): x must be float32, got ${x.dtype}`);
      const xs = be.readSync(x.dataId) as Float32Array;
      const ids = be.readSync(segmentIds.dataId) as Int32Array;
      const inner = segmentIds.shape.reduce((p, d) => p * d, 1);
      const rowShape = x.shape.slice(segmentIds.shape.length);
      const row = rowShape.reduce((p, d) => p * d, 1);
      const out = be.makeOutput([numSegments, ...rowShape], 'float32');
      const o = be.typedArrayFromHeap(out) as Float32Array;
      o.fill(0);
      for (let i = 0; i < inner; i++) {
        const s = ids[i];
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < row; j++) o[s * row + j] += xs[i * row + j];
      }
      return out;
    },
  });
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
}

/**
 * Transpose of `batch` row-major (rows, cols) matrices. Eight source rows at a time: each step writes eight
 * contiguous outputs (one output row segment) from eight reads that walk the source rows in order, over
 * column blocks of 128 so that the eight source streams stay in cache. ~2.5x faster than a 32x32 blocked loop.
 */
export function blockedTranspose(src: Float32Array, dst: Float32Array, batch: number, rows: number, cols: number): void {
  const B = 128;
  const size = rows * cols;
  for (let m = 0; m < batch; m++) {
    const o = m * size;
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      let i = 0;
      for (; i + 8 <= rows; i += 8) {
        const r = o + i * cols;
        let d = o + j0 * rows + i;
        for (let j = j0; j < j1; j++, d += rows) {
          const s = r + j;
          dst[d] = src[s];
          dst[d + 1] = src[s + cols];
          dst[d + 2] = src[s + 2 * cols];
          dst[d + 3] = src[s + 3 * cols];
          dst[d + 4] = src[s + 4 * cols];
          dst[d + 5] = src[s + 5 * cols];
          dst[d + 6] = src[s + 6 * cols];
          dst[d + 7] = src[s + 7 * cols];
        }
      }
      for (; i < rows; i++) {
        const r = o + i * cols;
        for (let j = j0; j < j1; j++) dst[o + j * rows + i] = src[r + j];
      }
    }
  }
}

/**
 * Replaces wasm's kernel `name` with `make(original)`, once: `marker` tags the replacement so that calling again
 * is a no-op, and overrides stacked on one kernel use different markers (the config, markers included, is copied).
 */
function overrideWasmKernel(name: string, marker: string, make: (original: tf.KernelConfig) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original || (original as unknown as Record<string, unknown>)[marker]) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, [marker]: true, kernelFunc: make(original) } as tf.KernelConfig);
}

/**
 * wasm's Transpose kernel walks the output with strided reads and is slow on matrices that do not fit in
 * cache (~0.75 ms for 512x256); the backward pass transposes every activation once. This override handles
 * float32 swaps of the last two axes (after dropping size-1 axes) with the TypeScript loop above (2-5x
 * faster than wasm's kernel from (512, 58) up, measured in tfjs including dispatch: (512, 128) 0.15 vs 0.38 ms,
 * (512, 512) 0.25 vs 1.4 ms) and delegates everything else to the original kernel.
 */
/** Below this many elements wasm's own kernel is as fast (measured: equal on (64, 96) and (32, 16, 16)). */
const TRANSPOSE_MIN = 2048;

function registerWasmTranspose(): void {
  overrideWasmKernel(tf.Transpose, 'equiscale', (original) => (args: Parameters<tf.KernelFunc>[0]) => {
    const x = (args.inputs as unknown as { x: tf.TensorInfo }).x;
    const perm = (args.attrs as unknown as { perm: number[] }).perm;
    const dims = x.shape.map((d, i) => [d, i]).filter(([d]) => d !== 1);
    const kept = perm.filter((p) => x.shape[p] !== 1);
    const r = dims.length;
    const swapsLast2 =
      r >= 2 &&
      kept.length === r &&
      kept.every((p, i) => (i < r - 2 ? p === dims[i][1] : i === r - 2 ? p === dims[r - 1][1] : p === dims[r - 2][1]));
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (x.dtype !== 'float32' || !swapsLast2 || size < TRANSPOSE_MIN) return original.kernelFunc(args);
    const be = args.backend as unknown as WasmBackendLike;
    const out = be.makeOutput(perm.map((p) => x.shape[p]), 'float32');
    // views into the heap are taken after makeOutput, which may grow (and detach) the heap
    const dst = be.typedArrayFromHeap(out) as Float32Array;
    const src = be.typedArrayFromHeap(x) as Float32Array;
    const rows = dims[r - 2][0];
    const cols = dims[r - 1][0];
    blockedTranspose(src, dst, size / (rows * cols), rows, cols);
    return out;
  });
}

/** Innermost runs shorter than this are copied element by element (measured on (1024, 16, 16): runs of 1 and 4 are 5x and 3.7x faster, runs of 16 are not). */
const SLICE_RUN_MAX = 8;

/**
 * wasm's Slice kernel (TypeScript in tfjs) copies every innermost run with `subarray` + `set`, which is slow
 * when the runs are short (e.g. one blade of (1024, 16, 16) = 16384 calls). This override copies short runs
 * of float32 slices of rank <= 4 with a plain loop; everything else goes to the original kernel.
 */
function registerWasmSlice(): void {
  overrideWasmKernel(tf.Slice, 'equiscale', (original) => (args: Parameters<tf.KernelFunc>[0]) => {
    const x = (args.inputs as unknown as { x: tf.TensorInfo }).x;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 2 || rank > 4 || !Array.isArray(begin) || !Array.isArray(size) || begin.length !== rank || size.length !== rank) {
      return original.kernelFunc(args);
    }
    const sz = size.map((d, i) => (d === -1 ? x.shape[i] - begin[i] : d));
    const run = sz[rank - 1];
    if (run >= SLICE_RUN_MAX || sz.some((d, i) => d < 0 || begin[i] < 0 || begin[i] + d > x.shape[i]) || run === x.shape[rank - 1]) {
      return original.kernelFunc(args);
    }
    const be = args.backend as unknown as WasmBackendLike;
    const out = be.makeOutput(sz, 'float32');
    const dst = be.typedArrayFromHeap(out) as Float32Array;
    const src = be.typedArrayFromHeap(x) as Float32Array;
    // pad to rank 4 with leading 1s
    const pad = 4 - rank;
    const shp = [...Array(pad).fill(1), ...x.shape];
    const b = [...Array(pad).fill(0), ...begin];
    const n = [...Array(pad).fill(1), ...sz];
    const s2 = shp[3];
    const s1 = shp[2] * s2;
    const s0 = shp[1] * s1;
    let o = 0;
    for (let i = b[0]; i < b[0] + n[0]; i++) {
      for (let j = b[1]; j < b[1] + n[1]; j++) {
        for (let k = b[2]; k < b[2] + n[2]; k++) {
          const base = i * s0 + j * s1 + k * s2 + b[3];
          for (let l = 0; l < run; l++) dst[o++] = src[base + l];
        }
      }
    }
    return out;
  });
}

/** Smallest per-matrix product (m*k*n multiply-adds) that the batched-matmul override splits into 2-D calls. */
const SLICE_MIN = 4096;

/**
 * wasm's BatchMatMul with batch > 1 takes a slow generic loop (~2.5 GFLOP/s), while a batch-1 product runs
 * XNNPACK's fully-connected kernel (~25-40 GFLOP/s). For flag-free float32 products whose matrices are
 * large enough (m*k*n >= SLICE_MIN), this override copies each matrix out of the heap, runs the batch-1
 * kernel on it, and copies the result into the output: the same sums, an order of magnitude faster.
 * A side with batch 1 is broadcast (passed as it is to every call); anything else goes to the original.
 */
function registerWasmBatchedMatMulSlices(): void {
  overrideWasmKernel(tf.BatchMatMul, 'sliced', (original) => (args: Parameters<tf.KernelFunc>[0]) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (attrs.transposeA || attrs.transposeB || a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const lead = (x: tf.TensorInfo) => x.shape.slice(0, -2);
    const count = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
    const batchA = count(lead(a));
    const batchB = count(lead(b));
    const m = a.shape[ra - 2];
    const k = a.shape[ra - 1];
    const n = b.shape[rb - 1];
    const sameLead = lead(a).length === lead(b).length && lead(a).every((d, i) => d === lead(b)[i]);
    const batch = Math.max(batchA, batchB);
    if (batch <= 1 || m * k * n < SLICE_MIN || !(sameLead || batchA === 1 || batchB === 1)) return original.kernelFunc(args);
    const be = args.backend as unknown as WasmBackendLike & { disposeData(id: tf.DataId): void };
    const out = be.makeOutput([...(batchA >= batchB ? lead(a) : lead(b)), m, n], 'float32');
    const slice = (x: tf.TensorInfo, i: number, rows: number, cols: number): tf.TensorInfo => {
      const t = be.makeOutput([rows, cols], 'float32');
      // heap views are taken after makeOutput, which may grow (and detach) the heap
      const src = be.typedArrayFromHeap(x) as Float32Array;
      (be.typedArrayFromHeap(t) as Float32Array).set(src.subarray(i * rows * cols, (i + 1) * rows * cols));
      return t;
    };
    for (let i = 0; i < batch; i++) {
      const as = batchA === 1 ? a : slice(a, i, m, k);
      const bs = batchB === 1 ? b : slice(b, i, k, n);
      const y = original.kernelFunc({
        ...args,
        inputs: { a: as, b: bs } as unknown as tf.NamedTensorInfoMap,
      }) as tf.TensorInfo;
      const ys = be.typedArrayFromHeap(y) as Float32Array;
      (be.typedArrayFromHeap(out) as Float32Array).set(ys, i * m * n);
      be.disposeData(y.dataId);
      if (as !== a) be.disposeData(as.dataId);
      if (bs !== b) be.disposeData(bs.dataId);
    }
    return out;
  });
}

/**
 * wasm's (fused) batch matmul runs 10-40x slower with transposeA/transposeB set. These overrides transpose
 * the flagged operand first (with the Transpose kernel above) and call the original kernel without flags,
 * so every caller gets the fast path, including tfjs's own gradients (e.g. tf.fused.matMul's backward).
 */
function registerWasmMatMulWithoutFlags(kernelName: string): void {
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (!transpose) return;
  overrideWasmKernel(kernelName, 'equiscale', (original) => (args: Parameters<tf.KernelFunc>[0]) => {
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    const be = args.backend as unknown as { disposeData(id: tf.DataId): void };
    const inputs = { ...(args.inputs as unknown as Record<string, tf.TensorInfo>) };
    const temps: tf.TensorInfo[] = [];
    const swap = (x: tf.TensorInfo): tf.TensorInfo => {
      const perm = x.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      const t = transpose.kernelFunc({ inputs: { x } as unknown as tf.NamedTensorInfoMap, attrs: { perm } as unknown as tf.NamedAttrMap, backend: args.backend }) as tf.TensorInfo;
      temps.push(t);
      return t;
    };
    if (attrs.transposeA) inputs.a = swap(inputs.a);
    if (attrs.transposeB) inputs.b = swap(inputs.b);
    const out = original.kernelFunc({
      ...args,
      inputs: inputs as unknown as tf.NamedTensorInfoMap,
      attrs: { ...(args.attrs as object), transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap,
    });
    for (const t of temps) be.disposeData(t.dataId);
    return out;
  });
}

/**
 * tfjs-backend-wasm 4.22's _FusedMatMul gives wrong results when the batch is > 1 (the second and later
 * matrices of a (2, 130, 140) @ (2, 140, 150) product are wrong, with or without bias). For batch > 1 this
 * override computes BatchMatMul, then the bias add and the activation, with the backend's own kernels.
 * Batch-1 (2-D) fused matmuls, which the models use, keep the fused kernel.
 */
function registerWasmBatchedFusedMatMulFix(): void {
  const k = (name: string) => {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
    return kernel.kernelFunc;
  };
  overrideWasmKernel(tf._FusedMatMul, 'batchFix', (fused) => (args: Parameters<tf.KernelFunc>[0]) => {
    const inputs = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
    const batch = (x: tf.TensorInfo) => x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    if (batch(inputs.a) <= 1 && batch(inputs.b) <= 1) return fused.kernelFunc(args);
    const backend = args.backend;
    const be = backend as unknown as { disposeData(id: tf.DataId): void };
    const run = (name: string, ins: Record<string, tf.TensorInfo>, at: Record<string, unknown> = {}) =>
      k(name)({ inputs: ins as unknown as tf.NamedTensorInfoMap, attrs: at as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
    let out = run(tf.BatchMatMul, { a: inputs.a, b: inputs.b }, { transposeA: attrs.transposeA, transposeB: attrs.transposeB });
    const step = (next: tf.TensorInfo) => {
      be.disposeData(out.dataId);
      out = next;
    };
    if (inputs.bias) step(run(tf.Add, { a: out, b: inputs.bias }));
    switch (attrs.activation ?? 'linear') {
      case 'linear':
        break;
      case 'relu':
        step(run(tf.Relu, { x: out }));
        break;
      case 'relu6':
        step(run(tf.Relu6, { x: out }));
        break;
      case 'elu':
        step(run(tf.Elu, { x: out }));
        break;
      case 'sigmoid':
        step(run(tf.Sigmoid, { x: out }));
        break;
      case 'leakyrelu':
        step(run(tf.LeakyRelu, { x: out }, { alpha: attrs.leakyreluAlpha ?? 0.2 }));
        break;
      case 'prelu':
        step(run(tf.Prelu, { x: out, alpha: inputs.preluActivationWeights! }));
        break;
      default:
        throw new Error(`fused matMul: unsupported activation "${attrs.activation}" for batched inputs on wasm`);
    }
    return out;
  });
}

/** Registers the fixes once per process (idempotent). Call again after the wasm backend is imported. */
export function registerBackendFixes(): void {
  if (!registered) {
    registered = true;
    registerMatMulGradient();
  }
  if (tf.getKernel(tf.Transpose, 'wasm')) {
    registerWasmSegmentSum();
    registerWasmTranspose();
    registerWasmSlice();
    registerWasmBatchedMatMulSlices(); // before the flag remover, which wraps it
    registerWasmMatMulWithoutFlags(tf.BatchMatMul);
    registerWasmMatMulWithoutFlags(tf._FusedMatMul);
    registerWasmBatchedFusedMatMulFix();
  }
}
