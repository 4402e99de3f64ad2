/**
 * Gradient and kernel fixes registered once, for every backend (they are correct everywhere and fast on wasm).
 *
 * - BatchMatMul gradient: tfjs's own gradient calls matMul with transpose flags, which the wasm backend runs
 *   10-15x slower than an explicit transpose followed by a plain matMul. This override never passes flags.
 * - UnsortedSegmentSum (needed by gather's gradient) has no wasm kernel: a plain TypeScript fallback.
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

/** Registers the fixes once per process (idempotent). */
export function registerBackendFixes(): void {
  if (registered) return;
  registered = true;
  registerMatMulGradient();
  registerWasmSegmentSum();
}
