import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { GatrDims } from '../api.js';
import { embedPlaneOffset, embedPoint, makeRng, samplePin, type PinKind } from '../algebra/index.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { benchmarkEquivarianceError, pinToE3 } from './equivariance.js';
import { gatrFlopsPerToken } from './flops.js';
import { GRAVITY_SCALE, MOTION_SCALE, batchTensors, createGatrModel, gatrEmbed, gatrNetConfig } from './rigid-body-model.js';

before(async () => {
  await tf.setBackend('cpu');
});

const dims: GatrDims = { family: 'gatr', mvChannels: 3, sChannels: 6, blocks: 1, heads: 2 };
const ex = makeFixtureExamples({ count: 2, maxBodies: 3, maxVerts: 4, seed: 1 });
const shapes = { maxBodies: ex.maxBodies, maxVerts: ex.maxVerts, bodyFeatureCount: ex.bodyFeatureCount };

describe('gatrEmbed', () => {
  it('embeds motions as directions, vertices as points about the centroid, gravity and the floor on every token; heights and normal motions as scalars', async () => {
    const { mv, s, mask } = gatrEmbed(batchTensors(ex));
    const V = ex.maxVerts;
    assert.deepEqual(mv.shape, [ex.count, ex.maxBodies, 2 * V + 2, 16]);
    const F = ex.bodyFeatureCount;
    assert.deepEqual(s.shape, [ex.count, ex.maxBodies, F + 2 * V]);
    assert.deepEqual(mask.shape, [ex.count, ex.maxBodies]);
    const data = await mv.data();
    const sData = await s.data();
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);
    let padding = 0;
    for (let n = 0; n < ex.count; n++) {
      const c = [0, 0, 0];
      let real = 0;
      for (let vi = n * ex.maxBodies * V; vi < (n + 1) * ex.maxBodies * V; vi++) {
        if (ex.vertMask[vi] === 0) continue;
        real++;
        for (let k = 0; k < 3; k++) c[k]! += ex.curr[3 * vi + k]!;
      }
      for (let k = 0; k < 3; k++) c[k]! /= real;
      for (let b = 0; b < ex.maxBodies; b++) {
        const token = ((n * ex.maxBodies + b) * (2 * V + 2)) * 16;
        for (let v = 0; v < V; v++) {
          const vi = (n * ex.maxBodies + b) * V + v;
          const m = ex.vertMask[vi]!;
          if (m === 0) padding++;
          const expectedMotion = new Array<number>(16).fill(0);
          for (let k = 0; k < 3; k++) expectedMotion[2 + k] = (m * (ex.curr[3 * vi + k]! - ex.prev[3 * vi + k]!)) / MOTION_SCALE;
          const rel = [0, 1, 2].map((k) => ex.curr[3 * vi + k]! - c[k]!);
          const expectedPoint = embedPoint(rel).map((x) => x * m);
          const fl = ex.floor.subarray(4 * n, 4 * n + 4);
          const dot = (x: ArrayLike<number>) => fl[0]! * x[0]! + fl[1]! * x[1]! + fl[2]! * x[2]!;
          const here = ex.curr.subarray(3 * vi, 3 * vi + 3);
          const motion = [0, 1, 2].map((k) => here[k]! - ex.prev[3 * vi + k]!);
          const sRow = (n * ex.maxBodies + b) * (F + 2 * V);
          close(sData[sRow + F + v]!, m * (dot(here) - fl[3]!), `height ${vi}`);
          close(sData[sRow + F + V + v]!, (m * dot(motion)) / MOTION_SCALE, `normal motion ${vi}`);
          if (v < F) close(sData[sRow + v]!, ex.bodyFeatures[(n * ex.maxBodies + b) * F + v]!, `features ${vi}`);
          for (let i = 0; i < 16; i++) {
            close(data[token + v * 16 + i]!, expectedMotion[i]!, `motion ${vi}[${i}]`);
            close(data[token + (V + v) * 16 + i]!, expectedPoint[i]!, `point ${vi}[${i}]`);
          }
        }
        const g = ex.gravity.subarray(3 * n, 3 * n + 3);
        for (let k = 0; k < 3; k++) {
          close(data[token + 2 * V * 16 + 2 + k]!, g[k]! / GRAVITY_SCALE, 'gravity normal');
          close(data[token + 2 * V * 16 + 5 + k]!, (-0.5 * g[k]!) / GRAVITY_SCALE, 'gravity ideal');
        }
        const normal = ex.floor.subarray(4 * n, 4 * n + 3);
        const offset = ex.floor[4 * n + 3]! - (normal[0]! * c[0]! + normal[1]! * c[1]! + normal[2]! * c[2]!);
        const plane = embedPlaneOffset(normal, offset);
        for (let i = 0; i < 16; i++) close(data[token + (2 * V + 1) * 16 + i]!, plane[i]!, `floor[${i}]`);
      }
    }
    assert.ok(padding > 0, 'the fixture should contain padding vertices');
  });

  it('names the field with a wrong shape', () => {
    const batch = batchTensors(ex);
    assert.throws(() => gatrEmbed({ ...batch, gravity: tf.zeros([2, 4]) }), /gravity must have shape \(2, 3\)/);
  });
});

describe('createGatrModel', () => {
  it('is E(3)-equivariant on the benchmark (rotations, reflections, translations, general) with symmetrization', async () => {
    const model = createGatrModel(dims, shapes, 5);
    const rng = makeRng(6);
    for (const kind of ['rotation', 'reflection', 'translation', 'general', 'general'] as PinKind[]) {
      const g = pinToE3(samplePin(rng, kind));
      const { relError, relToDisplacement } = await benchmarkEquivarianceError((e) => model.predict(e), ex, g);
      assert.ok(relError <= 1e-4, `${kind}: ${relError}`);
      assert.ok(relToDisplacement <= 1e-3, `${kind}: relative to displacement ${relToDisplacement}`);
    }
    model.dispose();
  });

  it('with distance-aware attention and a constant-velocity baseline it is E(3)-equivariant as well', async () => {
    const model = createGatrModel(dims, shapes, 5, { attention: 'distance', motionGain: 1.3 });
    const rng = makeRng(8);
    for (const kind of ['rotation', 'reflection', 'translation', 'general'] as PinKind[]) {
      const { relError, relToDisplacement } = await benchmarkEquivarianceError((e) => model.predict(e), ex, pinToE3(samplePin(rng, kind)));
      assert.ok(relError <= 1e-4 && relToDisplacement <= 1e-3, `${kind}: ${relError}, ${relToDisplacement}`);
    }
    model.dispose();
  });

  it('without symmetrization is exactly SE(3)-equivariant (rotations, translations)', async () => {
    const model = createGatrModel(dims, shapes, 5, { reflections: 'ignore' });
    const rng = makeRng(7);
    for (const kind of ['rotation', 'translation', 'rotation', 'translation'] as PinKind[]) {
      const { relError, relToDisplacement } = await benchmarkEquivarianceError((e) => model.predict(e), ex, pinToE3(samplePin(rng, kind)));
      assert.ok(relError <= 1e-4 && relToDisplacement <= 1e-3, `${kind}: ${relError}, ${relToDisplacement}`);
    }
    model.dispose();
  });

  it('predicts (N, B, V, 3), trains (finite gradients for every variable) and reports its accounting', async () => {
    const model = createGatrModel(dims, shapes, 5);
    const pred = model.predict(ex);
    assert.deepEqual(pred.shape, [ex.count, ex.maxBodies, ex.maxVerts, 3]);
    const target = tf.tensor4d(ex.target, [ex.count, ex.maxBodies, ex.maxVerts, 3]);
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.predict(ex), target))) as tf.Scalar, model.variables);
    for (const v of model.variables) assert.ok(grads[v.name] && (await grads[v.name]!.data()).every(Number.isFinite), v.name);
    assert.equal(model.paramCount, model.variables.reduce((a, v) => a + v.size, 0));
    assert.equal(model.summary.paramCount, model.paramCount);
    const perToken = gatrFlopsPerToken(gatrNetConfig(dims, shapes), shapes.maxBodies);
    assert.equal(model.summary.nominalFlopsPerSample, 2 * shapes.maxBodies * perToken.nominalPerToken);
    assert.equal(model.flops().executedFlopsPerSample, 2 * shapes.maxBodies * perToken.executedPerToken);
    const plain = createGatrModel(dims, shapes, 5, { reflections: 'ignore' });
    assert.equal(plain.flops(3).nominalFlopsPerSample, 3 * perToken.nominalPerToken);
    plain.dispose();
    model.dispose();
  });

  it('learns: a few Adam steps lower the masked MSE on the fixture', () => {
    const model = createGatrModel(dims, shapes, 5, { reflections: 'ignore' });
    const target = tf.tensor4d(ex.target, [ex.count, ex.maxBodies, ex.maxVerts, 3]);
    const mask = tf.tensor4d(ex.vertMask, [ex.count, ex.maxBodies, ex.maxVerts, 1]);
    const opt = tf.train.adam(1e-2);
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const loss = opt.minimize(
        () => tf.div(tf.sum(tf.mul(mask, tf.square(tf.sub(model.predict(ex), target)))), tf.sum(mask)) as tf.Scalar,
        true,
        model.variables,
      )!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[losses.length - 1]! < losses[0]!, `losses ${losses.join(', ')}`);
    opt.dispose();
    model.dispose();
  });

  it('rejects bad dims and shapes with the field name', () => {
    assert.throws(() => createGatrModel({ ...dims, mvChannels: 0 }, shapes, 1), /mvChannels must be >= 1/);
    assert.throws(() => createGatrModel(dims, { ...shapes, maxVerts: 0 }, 1), /shapes.maxVerts/);
  });
});
