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
  assert.throws(() => deserializeCheckpoint(future), /format version 99 is not supported \(this build reads versions 1 and 2\)/);
  assert.throws(() => deserializeCheckpoint(new Uint8Array(3)), /too short/);
});

test('early stopping section (format version 2): round-trips its state and the best parameters; version 1 stays as it was', () => {
  const size = (header: object, arrays: number) => 12 + Math.ceil(new TextEncoder().encode(JSON.stringify(header)).length / 4) * 4 + arrays * 5 * 4;
  const es: Checkpoint = {
    ...ck,
    header: { ...ck.header, earlyStopping: { patience: 3, minImprovement: 0.01, bestValLoss: 0.125, bestStep: 5, evalsSinceImprovement: 2 } },
    bestParams: Float32Array.from([9, 8, 7, 6, 5]),
  };
  const bytes = serializeCheckpoint(es);
  assert.equal(new DataView(bytes.buffer).getUint32(4, true), 2);
  assert.equal(bytes.length, size({ ...es.header, version: 2 }, 4));
  const back = deserializeCheckpoint(bytes);
  assert.deepEqual(back.header, { ...es.header, version: 2 });
  assert.deepEqual(back.bestParams, es.bestParams);
  assert.deepEqual([back.params, back.m, back.v], [ck.params, ck.m, ck.v]);
  // before the first finite evaluation there are no best parameters: three arrays, still version 2
  const noBest = { ...ck.header, earlyStopping: { patience: 3, minImprovement: 0.01, bestValLoss: null, bestStep: null, evalsSinceImprovement: 1 } };
  const none = serializeCheckpoint({ ...ck, header: noBest });
  assert.equal(none.length, size({ ...noBest, version: 2 }, 3));
  assert.equal(deserializeCheckpoint(none).bestParams, undefined);
  assert.deepEqual(deserializeCheckpoint(none).header.earlyStopping, noBest.earlyStopping);
  // without the section: version 1 with exactly the three arrays, as builds before early stopping wrote and read it
  const v1 = serializeCheckpoint(ck);
  assert.equal(new DataView(v1.buffer).getUint32(4, true), 1);
  assert.equal(v1.length, size({ ...ck.header, version: 1 }, 3));
  assert.equal(deserializeCheckpoint(v1).header.earlyStopping, undefined);
  // inconsistent input is refused, and a truncated fourth array is caught
  assert.throws(() => serializeCheckpoint({ ...es, bestParams: undefined }), /bestParams .* must be given exactly when/);
  assert.throws(() => deserializeCheckpoint(bytes.subarray(0, bytes.length - 4)), /truncated or corrupt/);
});
