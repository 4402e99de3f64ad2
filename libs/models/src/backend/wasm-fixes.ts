/**
 * Gradient and kernel fixes registered once, for every backend (they are correct everywhere and fast on wasm).
 *
 * - BatchMatMul gradient: tfjs's own gradient calls matMul with transpose flags, which the wasm backend runs
 *   10-15x slower than an explicit transpose followed by a plain matMul. This override never passes flags.
 * - UnsortedSegmentSum (needed by gather's gradient) has no wasm kernel: a plain TypeScript fallback.
 * - Transpose of the last two axes on wasm: a cache-blocked TypeScript kernel (the built-in one is slow).
 */
import * as tf from '@tensorflow/tfjs';

let registered = false;

/** Swap the last two axes of a tensor of rank >= 2. */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
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

/** Cache-blocked transpose of `batch` row-major (rows, cols) matrices. */
function blockedTranspose(src: Float32Array, dst: Float32Array, batch: number, rows: number, cols: number): void {
  const B = 32;
  const size = rows * cols;
  for (let m = 0; m < batch; m++) {
    const o = m * size;
    for (let i0 = 0; i0 < rows; i0 += B) {
      const i1 = Math.min(rows, i0 + B);
      for (let j0 = 0; j0 < cols; j0 += B) {
        const j1 = Math.min(cols, j0 + B);
        for (let i = i0; i < i1; i++) {
          const r = o + i * cols;
          for (let j = j0; j < j1; j++) dst[o + j * rows + i] = src[r + j];
        }
      }
    }
  }
}

/**
 * wasm's Transpose kernel walks the output with strided reads and is slow on matrices that do not fit in
 * cache (~0.75 ms for 512x256); the backward pass transposes every activation once. This override handles
 * float32 swaps of the last two axes (after dropping size-1 axes) with a blocked loop in TypeScript (~3x
 * faster) and delegates everything else to the original kernel.
 */
function registerWasmTranspose(): void {
  const original = tf.getKernel(tf.Transpose, 'wasm');
  if (!original || (original as { equiscale?: boolean }).equiscale) return;
  const config = {
    ...original,
    equiscale: true,
    kernelFunc: (args: Parameters<tf.KernelFunc>[0]) => {
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
      // small matrices stay in cache: the original kernel is as fast or faster there
      const matrix = swapsLast2 ? dims[r - 2][0] * dims[r - 1][0] : 0;
      if (x.dtype !== 'float32' || !swapsLast2 || matrix < 16384) return original.kernelFunc(args);
      const be = args.backend as unknown as WasmBackendLike;
      const out = be.makeOutput(perm.map((p) => x.shape[p]), 'float32');
      // views into the heap are taken after makeOutput, which may grow (and detach) the heap
      const dst = be.typedArrayFromHeap(out) as Float32Array;
      const src = be.typedArrayFromHeap(x) as Float32Array;
      const rows = dims[r - 2][0];
      const cols = dims[r - 1][0];
      blockedTranspose(src, dst, size / (rows * cols), rows, cols);
      return out;
    },
  };
  tf.unregisterKernel(tf.Transpose, 'wasm');
  tf.registerKernel(config as tf.KernelConfig);
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
  }
}
