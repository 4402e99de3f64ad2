/**
 * Checkpoint format (versions 1 and 2), little-endian:
 *   bytes 0..3   magic "EQCK"
 *   bytes 4..7   uint32 format version (1 or 2)
 *   bytes 8..11  uint32 header length L (bytes of UTF-8 JSON)
 *   bytes 12..   header JSON (CheckpointHeader), zero-padded to a multiple of 4
 *   then float32 arrays, each of length P = total parameter count, in variable order:
 *   params, adam m, adam v
 *   version 2 only, when header.earlyStopping.bestStep is not null: a fourth array, the parameters of the best
 *   validation evaluation so far (early stopping's state; TrialConfig.earlyStopping)
 * Version 2 is written only for a trial with early stopping (header.earlyStopping present); every other
 * checkpoint is written as version 1, byte for byte as before, and version 1 checkpoints (no early-stopping
 * section) still load. A build that reads only version 1 refuses version 2 with a clear error.
 * The header records family, dims, task shapes and every variable's shape, so restoring into a model of a
 * different size fails with a clear error instead of silently loading wrong weights.
 */
import type { FamilyName, ModelDims, TaskShapes } from '../api.js';
import type { DataPosition } from './data-order.js';

/** The newest format this build reads and writes (version 1: without the early-stopping section). */
export const CHECKPOINT_VERSION = 2;
const MAGIC = 0x4b435145; // "EQCK" read as little-endian uint32

export interface CheckpointHeader {
  version: number;
  family: FamilyName;
  dims: ModelDims;
  shapes: TaskShapes;
  paramShapes: number[][];
  /** training steps completed */
  step: number;
  adamT: number;
  data: DataPosition;
  seed: number;
  batchSize: number;
  trainCount: number;
  /** last reported training loss window, so a resumed run can report continuity */
  lastTrainLoss: number | null;
  /**
   * the constant-velocity gain the net was built with (train/motion-baseline.ts); needed to rebuild the model
   * outside its own trial (a symmetry-cloning teacher). Absent in checkpoints written before issue 16.
   */
  motionGain?: number;
  /** early stopping's state (version 2; absent: the trial has no early stopping, or a version 1 checkpoint) */
  earlyStopping?: EarlyStoppingState;
}

/** Where early stopping stands after `step` steps; the best parameters travel as the checkpoint's fourth array. */
export interface EarlyStoppingState {
  /** the trial's settings, so a resume with other settings is refused */
  patience: number;
  minImprovement: number;
  /** lowest validation loss so far (null: no finite evaluation yet) */
  bestValLoss: number | null;
  /** its step (null exactly when bestValLoss is null; then there is no fourth array) */
  bestStep: number | null;
  /** consecutive evaluations since the best was last improved by more than minImprovement */
  evalsSinceImprovement: number;
}

export interface Checkpoint {
  header: CheckpointHeader;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** the parameters at header.earlyStopping.bestStep (present exactly when that is not null) */
  bestParams?: Float32Array;
}

/** The number of float32 arrays after the header: params, m, v, and the best parameters when early stopping has them. */
function arrayCount(h: CheckpointHeader): number {
  return h.earlyStopping && h.earlyStopping.bestStep !== null ? 4 : 3;
}

export function serializeCheckpoint(c: Checkpoint): Uint8Array {
  const p = c.params.length;
  if (c.m.length !== p || c.v.length !== p) throw new Error('serializeCheckpoint: params, m and v must have the same length');
  const es = c.header.earlyStopping;
  const arrays = arrayCount(c.header);
  if ((arrays === 4) !== (c.bestParams !== undefined) || (c.bestParams && c.bestParams.length !== p)) {
    throw new Error('serializeCheckpoint: bestParams (as many as params) must be given exactly when header.earlyStopping.bestStep is set');
  }
  if (es && (es.bestStep === null) !== (es.bestValLoss === null)) throw new Error('serializeCheckpoint: earlyStopping.bestStep and bestValLoss must be both set or both null');
  const version = es ? 2 : 1;
  const json = new TextEncoder().encode(JSON.stringify({ ...c.header, version }));
  const headerPadded = Math.ceil(json.length / 4) * 4;
  const total = 12 + headerPadded + arrays * p * 4;
  const buf = new ArrayBuffer(total);
  const view = new DataView(buf);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, version, true);
  view.setUint32(8, json.length, true);
  new Uint8Array(buf, 12, json.length).set(json);
  const off = 12 + headerPadded;
  const f = new Float32Array(buf, off, arrays * p);
  f.set(c.params, 0);
  f.set(c.m, p);
  f.set(c.v, 2 * p);
  if (c.bestParams) f.set(c.bestParams, 3 * p);
  // float32 is stored in platform order; every platform Node runs on is little-endian
  return new Uint8Array(buf);
}

export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 12) throw new Error(`checkpoint too short (${bytes.length} bytes): not an equiscale checkpoint`);
  const copy = bytes.slice(); // aligned private copy
  const view = new DataView(copy.buffer);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('checkpoint: bad magic (expected "EQCK"): not an equiscale checkpoint');
  const version = view.getUint32(4, true);
  if (version !== 1 && version !== 2) {
    throw new Error(`checkpoint format version ${version} is not supported (this build reads versions 1 and ${CHECKPOINT_VERSION})`);
  }
  const len = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(copy.subarray(12, 12 + len))) as CheckpointHeader;
  if (version === 1) delete header.earlyStopping;
  else if (!header.earlyStopping) throw new Error('checkpoint: version 2 without its earlyStopping section (corrupt)');
  const p = header.paramShapes.reduce((acc, s) => acc + s.reduce((a, b) => a * b, 1), 0);
  const arrays = arrayCount(header);
  const off = 12 + Math.ceil(len / 4) * 4;
  if (copy.length !== off + arrays * p * 4) {
    throw new Error(`checkpoint: expected ${off + arrays * p * 4} bytes for ${p} parameters, got ${copy.length} (truncated or corrupt)`);
  }
  const f = new Float32Array(copy.buffer, off, arrays * p);
  return {
    header,
    params: f.slice(0, p),
    m: f.slice(p, 2 * p),
    v: f.slice(2 * p, 3 * p),
    ...(arrays === 4 ? { bestParams: f.slice(3 * p) } : {}),
  };
}

/** Throws a clear error unless the checkpoint belongs to a model with exactly these variable shapes. */
export function checkCheckpointMatches(h: CheckpointHeader, family: FamilyName, dims: ModelDims, shapes: number[][]): void {
  if (h.family !== family) throw new Error(`checkpoint is for family "${h.family}", but the trial's family is "${family}"`);
  const canon = (o: object) => JSON.stringify(o, Object.keys(o).sort());
  if (canon(h.dims) !== canon(dims)) {
    throw new Error(`checkpoint dims ${JSON.stringify(h.dims)} differ from the trial's dims ${JSON.stringify(dims)}`);
  }
  const a = JSON.stringify(h.paramShapes);
  const b = JSON.stringify(shapes);
  if (a !== b) throw new Error(`checkpoint variable shapes ${a} do not match the model's ${b} (different task shapes?)`);
}
