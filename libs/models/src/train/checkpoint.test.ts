import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserializeCheckpoint, serializeCheckpoint, type Checkpoint } from './checkpoint.js';

const ck: Checkpoint = {
  header: {
    version: 1,
    family: 'transformer',
    dims: { family: 'transformer', width: 2, depth: 1, heads: 1, mlpRatio: 1 },
    shapes: { maxBodies: 2, maxVerts: 1, bodyFeatureCount: 1 },
    paramShapes: [[2, 2], [1]],
    step: 7,
    adamT: 7,
    data: { epoch: 1, cursor: 3 },
    seed: 5,
    batchSize: 4,
    trainCount: 10,
    lastTrainLoss: 0.25,
  },
  params: Float32Array.from([1, 2, 3, 4, 5]),
  m: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]),
  v: Float32Array.from([1e-3, 2e-3, 3e-3, 4e-3, Number.MIN_VALUE]),
};

test('checkpoint round-trips header and arrays exactly', () => {
  const bytes = serializeCheckpoint(ck);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), 'EQCK');
  const back = deserializeCheckpoint(bytes);
  assert.deepEqual(back.header, ck.header);
  assert.deepEqual(back.params, ck.params);
  assert.deepEqual(back.m, ck.m);
  assert.deepEqual(back.v, ck.v);
  // also from an unaligned view (a Uint8Array cut out of a larger buffer, as a database driver may return)
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes, 1);
  assert.deepEqual(deserializeCheckpoint(padded.subarray(1)).params, ck.params);
});

test('corrupt, truncated or future-version checkpoints are rejected with a clear error', () => {
  const bytes = serializeCheckpoint(ck);
  assert.throws(() => deserializeCheckpoint(bytes.subarray(0, bytes.length - 4)), /truncated or corrupt/);
  const bad = bytes.slice();
  bad[0] = 0;
  assert.throws(() => deserializeCheckpoint(bad), /bad magic/);
  const future = bytes.slice();
  new DataView(future.buffer).setUint32(4, 99, true);
  assert.throws(() => deserializeCheckpoint(future), /format version 99 is not supported/);
  assert.throws(() => deserializeCheckpoint(new Uint8Array(3)), /too short/);
});
