/**
 * Backend selection. Order: tfjs-node-gpu -> tfjs-node (both optional, loaded by dynamic import, never
 * dependencies of this package) -> tfjs-backend-wasm -> cpu. `EQUISCALE_BACKEND` (tensorflow | wasm | cpu)
 * overrides the caller's preference. Returns the name of the backend actually in use.
 * On wasm, the matmul kernels run OpenBLAS when it is installed (`native-blas.ts`; EQUISCALE_KERNELS=wasm
 * forces the wasm kernels); the name is then 'wasm+openblas'.
 */
import * as tf from '@tensorflow/tfjs';
import { backendLabel, registerNativeKernels, type NativeKernelsStatus } from './native-blas.js';
import { registerBackendFixes } from './wasm-fixes.js';

export type BackendPreference = 'tensorflow' | 'wasm' | 'cpu';

const PREFERENCES: readonly BackendPreference[] = ['tensorflow', 'wasm', 'cpu'];

async function tryNative(): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      const name: string = pkg; // a non-literal specifier: the packages are optional and untyped here
      await import(name);
      if (await tf.setBackend('tensorflow')) return true;
    } catch {
      // not installed or failed to load: fall through to the next candidate
    }
  }
  return false;
}

let kernels: NativeKernelsStatus | undefined;

async function tryWasm(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    registerBackendFixes(); // the wasm kernel overrides need the wasm kernels registered first
  } catch {
    return false;
  }
  kernels = registerNativeKernels(); // throws on a bad EQUISCALE_KERNELS, or =openblas without the library
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** Which matmul kernels the wasm backend runs, with the library or the reason, after initBackend chose wasm. */
export function kernelsInUse(): NativeKernelsStatus | undefined {
  return kernels;
}

/**
 * Picks and initialises a backend, registers the gradient/kernel fixes, and returns the backend name
 * ('tensorflow', 'wasm+openblas', 'wasm' or 'cpu').
 */
export async function initBackend(prefer?: BackendPreference): Promise<string> {
  const env = process.env.EQUISCALE_BACKEND;
  if (env !== undefined && env !== '' && !PREFERENCES.includes(env as BackendPreference)) {
    throw new Error(`EQUISCALE_BACKEND must be one of ${PREFERENCES.join(', ')} (got "${env}"); unset it to auto-select`);
  }
  if (prefer !== undefined && !PREFERENCES.includes(prefer)) {
    throw new Error(`initBackend: prefer must be one of ${PREFERENCES.join(', ')} (got "${String(prefer)}")`);
  }
  const choice = (env || prefer || 'tensorflow') as BackendPreference;
  registerBackendFixes();
  const start = PREFERENCES.indexOf(choice);
  for (const candidate of PREFERENCES.slice(start)) {
    let ok = false;
    if (candidate === 'tensorflow') ok = await tryNative();
    else if (candidate === 'wasm') ok = await tryWasm();
    else ok = await tf.setBackend('cpu');
    if (ok) {
      await tf.ready();
      return backendLabel();
    }
  }
  throw new Error('initBackend: no tfjs backend could be initialised (tried tensorflow, wasm, cpu)');
}
