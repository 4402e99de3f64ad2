/**
 * Checkpoint format (version 1), little-endian:
 *   bytes 0..3   magic "EQCK"
 *   bytes 4..7   uint32 format version (1)
 *   bytes 8..11  uint32 header length L (bytes of UTF-8 JSON)
 *   bytes 12..   header JSON (CheckpointHeader), zero-padded to a multiple of 4
 *   then float32 arrays, each of length P = total parameter count, in variable order:
 *   params, adam m, adam v
 * The header records family, dims, task shapes and every variable's shape, so restoring into a model of a
 * different size fails with a clear error instead of silently loading wrong weights.
 */
import type { FamilyName, ModelDims, TaskShapes } from '../api.js';
import type { DataPosition } from './data-order.js';

export const CHECKPOINT_VERSION = 1;
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
}

export interface Checkpoint {
  header: CheckpointHeader;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

export function serializeCheckpoint(c: Checkpoint): Uint8Array {
  const p = c.params.length;
  if (c.m.length !== p || c.v.length !== p) throw new Error('serializeCheckpoint: params, m and v must have the same length');
  const json = new TextEncoder().encode(JSON.stringify({ ...c.header, version: CHECKPOINT_VERSION }));
  const headerPadded = Math.ceil(json.length / 4) * 4;
  const total = 12 + headerPadded + 3 * p * 4;
  const buf = new ArrayBuffer(total);
  const view = new DataView(buf);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, json.length, true);
  new Uint8Array(buf, 12, json.length).set(json);
  const off = 12 + headerPadded;
  const f = new Float32Array(buf, off, 3 * p);
  f.set(c.params, 0);
  f.set(c.m, p);
  f.set(c.v, 2 * p);
  // float32 is stored in platform order; every platform Node runs on is little-endian
  return new Uint8Array(buf);
}

export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 12) throw new Error(`checkpoint too short (${bytes.length} bytes): not an equiscale checkpoint`);
  const copy = bytes.slice(); // aligned private copy
  const view = new DataView(copy.buffer);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('checkpoint: bad magic (expected "EQCK"): not an equiscale checkpoint');
  const version = view.getUint32(4, true);
  if (version !== CHECKPOINT_VERSION) {
    throw new Error(`checkpoint format version ${version} is not supported (this build reads version ${CHECKPOINT_VERSION})`);
  }
  const len = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(copy.subarray(12, 12 + len))) as CheckpointHeader;
  const p = header.paramShapes.reduce((acc, s) => acc + s.reduce((a, b) => a * b, 1), 0);
  const off = 12 + Math.ceil(len / 4) * 4;
  if (copy.length !== off + 3 * p * 4) {
    throw new Error(`checkpoint: expected ${off + 3 * p * 4} bytes for ${p} parameters, got ${copy.length} (truncated or corrupt)`);
  }
  const f = new Float32Array(copy.buffer, off, 3 * p);
  return { header, params: f.slice(0, p), m: f.slice(p, 2 * p), v: f.slice(2 * p) };
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
