/**
 * The native kernel path: OpenBLAS's `cblas_sgemm`, called through the `koffi` FFI (a prebuilt binary shipped
 * as an npm optional dependency, nothing built at install time) directly on the wasm backend's heap, for the
 * MatMul family of kernels (BatchMatMul and _FusedMatMul; the gradients use the same kernels with transpose
 * flags). Detected at run time: the library must load and report itself as OpenBLAS (`openblas_get_config`;
 * `libblas.so.3` may be the slow reference BLAS, which is never used); otherwise the wasm kernels stay.
 *
 * Setup (Debian): `apt-get install -y libopenblas0`. `EQUISCALE_KERNELS=wasm` forces the wasm kernels,
 * `EQUISCALE_KERNELS=openblas` makes a missing library an error, `auto` (default) uses OpenBLAS when present.
 * `EQUISCALE_OPENBLAS=/path/libopenblas.so.0` names the library file.
 *
 * Memory: the kernels read and write Float32Array views of the wasm heap (zero copy). The views are taken
 * after the output is allocated, because growing the wasm memory detaches the old buffer (a detached view
 * would reach the C side as NULL). Threads: OpenBLAS is told to use one thread (OPENBLAS_NUM_THREADS=1 before
 * loading, then openblas_set_num_threads(1)); the pthread build otherwise starts one thread per core.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';

export type KernelsPreference = 'auto' | 'wasm' | 'openblas';
const KERNEL_PREFERENCES: readonly KernelsPreference[] = ['auto', 'wasm', 'openblas'];

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

type Sgemm = (
  order: number, ta: number, tb: number, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
) => void;

export interface OpenBlas {
  /** the file that was loaded */
  library: string;
  /** `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_AFFINITY HASWELL MAX_THREADS=64" */
  config: string;
  threads: number;
  sgemm: Sgemm;
}

let blas: OpenBlas | null | undefined; // undefined: not tried yet; null: unavailable
let unavailableReason = '';
let enabled = false;
let registered = false;

/** Reads EQUISCALE_KERNELS; throws one line naming the variable and the values on bad input. */
export function kernelsPreference(): KernelsPreference {
  const v = process.env.EQUISCALE_KERNELS;
  if (v === undefined || v === '') return 'auto';
  if (!KERNEL_PREFERENCES.includes(v as KernelsPreference)) {
    throw new Error(`EQUISCALE_KERNELS must be one of ${KERNEL_PREFERENCES.join(', ')} (got "${v}"); unset it for auto`);
  }
  return v as KernelsPreference;
}

/** Loads OpenBLAS through koffi once; null (with `openBlasUnavailableReason()`) when it cannot. */
export function loadOpenBlas(): OpenBlas | null {
  if (blas !== undefined) return blas;
  blas = null;
  let koffi: typeof import('koffi');
  try {
    koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  } catch (e) {
    unavailableReason = `koffi does not load (${(e as Error).message.split('\n')[0]})`;
    return blas;
  }
  // the pthread build reads this when the library is loaded (before openblas_set_num_threads can be called)
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  const candidates = process.env.EQUISCALE_OPENBLAS ? [process.env.EQUISCALE_OPENBLAS] : ['libopenblas.so.0', 'libopenblas.so'];
  const tried: string[] = [];
  for (const library of candidates) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(library);
    } catch (e) {
      tried.push(`${library}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    try {
      const getConfig = lib.func('const char *openblas_get_config(void)');
      const setThreads = lib.func('void openblas_set_num_threads(int)');
      const getThreads = lib.func('int openblas_get_num_threads(void)');
      const config = String(getConfig());
      if (!/openblas/i.test(config)) {
        tried.push(`${library}: openblas_get_config() = "${config}" is not OpenBLAS`);
        continue;
      }
      setThreads(1);
      const sgemm = lib.func(
        'void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int)',
      ) as unknown as Sgemm;
      blas = { library, config: config.trim(), threads: Number(getThreads()), sgemm };
      return blas;
    } catch (e) {
      tried.push(`${library}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  unavailableReason = `OpenBLAS not found (${tried.join('; ')}); install it with: apt-get install -y libopenblas0`;
  return blas;
}

export function openBlasUnavailableReason(): string {
  return unavailableReason;
}

/** True when the OpenBLAS kernels are registered and switched on (the current backend must be wasm to use them). */
export function nativeKernelsActive(): boolean {
  return enabled && registered && tf.getBackend() === 'wasm';
}

/**
 * Switches the OpenBLAS kernels on or off at run time (both paths in one process, e.g. interleaved benches and
 * the equality tests). Turning them on needs `registerNativeKernels()` to have succeeded.
 */
export function setNativeKernels(on: boolean): void {
  if (on && !registered) throw new Error('setNativeKernels(true): the OpenBLAS kernels are not registered (see registerNativeKernels)');
  enabled = on;
}

/** Which kernels the backend runs, for logs and trial records: 'wasm+openblas' when the native path is on. */
export function backendLabel(): string {
  const b = tf.getBackend();
  return nativeKernelsActive() ? `${b}+openblas` : b;
}

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(id: tf.DataId): void;
}

const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);

/**
 * C[i] = opA(A[ia]) @ opB(B[ib]) (+ C[i] when accumulate) for every matrix of the broadcast batch, with `out`
 * already allocated; row-major with the leading dims of a and b broadcast as tfjs does.
 */
function sgemmBatched(
  be: WasmHeapBackend, a: tf.TensorInfo, b: tf.TensorInfo, out: tf.TensorInfo, ta: boolean, tb: boolean, accumulate: boolean,
): void {
  const lib = blas!;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const outLead = out.shape.slice(0, -2);
  const batch = size(outLead);
  // views taken now (after every allocation of this kernel)
  const A = be.typedArrayFromHeap(a) as Float32Array;
  const B = be.typedArrayFromHeap(b) as Float32Array;
  const C = be.typedArrayFromHeap(out) as Float32Array;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) C.fill(0);
    return;
  }
  const beta = accumulate ? 1 : 0;
  const lda = a.shape[ra - 1];
  const ldb = b.shape[rb - 1];
  const sa = a.shape[ra - 2] * a.shape[ra - 1];
  const sb = b.shape[rb - 2] * b.shape[rb - 1];
  const TA = ta ? CBLAS_TRANS : CBLAS_NO_TRANS;
  const TB = tb ? CBLAS_TRANS : CBLAS_NO_TRANS;
  if (batch === 1) {
    lib.sgemm(CBLAS_ROW_MAJOR, TA, TB, m, n, k, 1, A, lda, B, ldb, beta, C, n);
    return;
  }
  // matrix index of each operand for output matrix i: broadcast leading dims (size 1 -> stride 0)
  const leadA = a.shape.slice(0, -2);
  const leadB = b.shape.slice(0, -2);
  const strides = (lead: number[]) => {
    const s = new Array<number>(outLead.length).fill(0);
    let acc = 1;
    for (let d = outLead.length - 1, j = lead.length - 1; d >= 0; d--, j--) {
      if (j >= 0 && lead[j] !== 1) s[d] = acc;
      if (j >= 0) acc *= lead[j];
    }
    return s;
  };
  const stA = strides(leadA);
  const stB = strides(leadB);
  const simpleA = size(leadA) === batch || size(leadA) === 1;
  const simpleB = size(leadB) === batch || size(leadB) === 1;
  const mn = m * n;
  for (let i = 0; i < batch; i++) {
    let ia = 0;
    let ib = 0;
    if (simpleA && simpleB) {
      ia = size(leadA) === 1 ? 0 : i;
      ib = size(leadB) === 1 ? 0 : i;
    } else {
      let r = i;
      for (let d = outLead.length - 1; d >= 0; d--) {
        const idx = r % outLead[d];
        r = (r - idx) / outLead[d];
        ia += idx * stA[d];
        ib += idx * stB[d];
      }
    }
    lib.sgemm(
      CBLAS_ROW_MAJOR, TA, TB, m, n, k, 1,
      A.subarray(ia * sa, (ia + 1) * sa), lda,
      B.subarray(ib * sb, (ib + 1) * sb), ldb,
      beta, C.subarray(i * mn, (i + 1) * mn), n,
    );
  }
}

function outShape(a: tf.TensorInfo, b: tf.TensorInfo, ta: boolean, tb: boolean): number[] {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const lead = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return [...lead, m, n];
}

function innerDimsMatch(a: tf.TensorInfo, b: tf.TensorInfo, ta: boolean, tb: boolean): boolean {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return false;
  return (ta ? a.shape[ra - 2] : a.shape[ra - 1]) === (tb ? b.shape[rb - 1] : b.shape[rb - 2]);
}

/** Wraps wasm's kernel `name` (whatever overrides it already carries) with `make(previous)`, once. */
function wrapWasmKernel(name: string, make: (previous: tf.KernelConfig) => tf.KernelFunc): void {
  const previous = tf.getKernel(name, 'wasm');
  if (!previous) throw new Error(`wasm backend has no ${name} kernel`);
  if ((previous as unknown as Record<string, unknown>).openblas) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...previous, openblas: true, kernelFunc: make(previous) } as tf.KernelConfig);
}

const isF32 = (...xs: (tf.TensorInfo | undefined)[]) => xs.every((x) => x === undefined || x.dtype === 'float32');

function registerKernels(): void {
  wrapWasmKernel(tf.BatchMatMul, (previous) => (args: Parameters<tf.KernelFunc>[0]) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!enabled || !isF32(a, b) || !innerDimsMatch(a, b, transposeA, transposeB)) return previous.kernelFunc(args);
    const be = args.backend as unknown as WasmHeapBackend;
    const out = be.makeOutput(outShape(a, b, transposeA, transposeB), 'float32');
    sgemmBatched(be, a, b, out, transposeA, transposeB, false);
    return out;
  });

  const wasmKernel = (name: string) => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`wasm backend has no ${name} kernel`);
    return k.kernelFunc;
  };
  wrapWasmKernel(tf._FusedMatMul, (previous) => (args: Parameters<tf.KernelFunc>[0]) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as unknown as {
      a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo;
    };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const act = attrs.activation ?? 'linear';
    if (!enabled || !isF32(a, b, bias, preluActivationWeights) || !innerDimsMatch(a, b, attrs.transposeA, attrs.transposeB)) {
      return previous.kernelFunc(args);
    }
    const be = args.backend as unknown as WasmHeapBackend;
    const shape = outShape(a, b, attrs.transposeA, attrs.transposeB);
    const n = shape[shape.length - 1];
    let out = be.makeOutput(shape, 'float32');
    // a bias of n (or 1) values, or one row of n per output matrix (shape (...batch, 1, n), packed trials), is
    // written into every output row first and accumulated by sgemm (beta = 1)
    const rank = shape.length;
    const perMatrix =
      bias !== undefined && bias.shape.length === rank && rank > 2 && bias.shape[rank - 2] === 1 && bias.shape[rank - 1] === n &&
      bias.shape.slice(0, -2).every((d, i) => d === shape[i]) && size(bias.shape) > n;
    const rowBias = bias !== undefined && (perMatrix || ((size(bias.shape) === n || size(bias.shape) === 1) && bias.shape.length <= rank));
    if (rowBias) {
      const C = be.typedArrayFromHeap(out) as Float32Array;
      const bv = be.typedArrayFromHeap(bias) as Float32Array;
      const mn = shape[rank - 2] * n;
      const fillRows = (dst: Float32Array, row: Float32Array) => {
        if (dst.length === 0) return;
        dst.set(row, 0);
        for (let filled = row.length; filled < dst.length; filled *= 2) dst.copyWithin(filled, 0, Math.min(filled, dst.length - filled));
      };
      if (perMatrix) for (let i = 0; i * mn < C.length; i++) fillRows(C.subarray(i * mn, (i + 1) * mn), bv.subarray(i * n, (i + 1) * n));
      else if (bv.length === 1) C.fill(bv[0]);
      else fillRows(C, bv);
    }
    sgemmBatched(be, a, b, out, attrs.transposeA, attrs.transposeB, rowBias);
    const backend = args.backend;
    const step = (name: string, inputs: Record<string, tf.TensorInfo>, at: Record<string, unknown> = {}) => {
      const next = wasmKernel(name)({ inputs: inputs as unknown as tf.NamedTensorInfoMap, attrs: at as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
      be.disposeData(out.dataId);
      out = next;
    };
    if (bias !== undefined && !rowBias) step(tf.Add, { a: out, b: bias });
    switch (act) {
      case 'linear':
        break;
      case 'relu': {
        const C = be.typedArrayFromHeap(out) as Float32Array;
        for (let i = 0; i < C.length; i++) if (C[i] < 0) C[i] = 0; // NaN stays NaN
        break;
      }
      case 'relu6':
        step(tf.Relu6, { x: out });
        break;
      case 'elu':
        step(tf.Elu, { x: out });
        break;
      case 'sigmoid':
        step(tf.Sigmoid, { x: out });
        break;
      case 'leakyrelu':
        step(tf.LeakyRelu, { x: out }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
        break;
      case 'prelu':
        step(tf.Prelu, { x: out, alpha: preluActivationWeights! });
        break;
      default:
        throw new Error(`fused matMul: unsupported activation "${act}"`);
    }
    return out;
  });
}

export interface NativeKernelsStatus {
  /** 'openblas' when the OpenBLAS kernels are registered and on, else 'wasm' */
  kernels: 'openblas' | 'wasm';
  /** one line for logs: the library and its config, or why the wasm kernels are used */
  detail: string;
}

/**
 * Registers the OpenBLAS kernels on top of the wasm ones (call after the wasm backend and its fixes are
 * registered) when EQUISCALE_KERNELS allows and the library loads, and switches them on. Idempotent.
 * Throws when EQUISCALE_KERNELS=openblas and OpenBLAS is not available.
 */
export function registerNativeKernels(): NativeKernelsStatus {
  const pref = kernelsPreference();
  if (pref === 'wasm') {
    enabled = false;
    return { kernels: 'wasm', detail: 'wasm kernels (EQUISCALE_KERNELS=wasm)' };
  }
  const lib = loadOpenBlas();
  if (!lib) {
    if (pref === 'openblas') throw new Error(`EQUISCALE_KERNELS=openblas but ${unavailableReason}`);
    enabled = false;
    return { kernels: 'wasm', detail: `wasm kernels (${unavailableReason})` };
  }
  if (!tf.getKernel(tf.BatchMatMul, 'wasm')) throw new Error('registerNativeKernels: the wasm backend is not registered');
  if (!registered) {
    registerKernels();
    registered = true;
  }
  enabled = true;
  return { kernels: 'openblas', detail: `OpenBLAS matmul kernels (${lib.library}: ${lib.config}; ${lib.threads} thread)` };
}
