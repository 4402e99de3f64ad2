import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng, composeE3, e3Determinant, randomReflection, randomRotation, randomTranslation, type E3 } from '@equiscale/rigid-body';
import type { GatrDims } from '../api.js';
import { actOnMultivectors, embedPlaneOffset, embedPoint, makeRng, samplePin, type PinKind } from '../algebra/index.js';
import { rigidDisplacement } from '../task/rigid-output.js';
import { createTransformerModel } from '../transformer/model.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { benchmarkEquivarianceError, pinToE3 } from './equivariance.js';
import { gatrFlopsPerToken } from './flops.js';
import { rigidOutputExecutedFlops } from '../flops.js';
import { GRAVITY_SCALE, MOTION_SCALE, RIGID_READOUT, batchTensors, createGatrModel, gatrEmbed, gatrNetConfig } from './rigid-body-model.js';

before(async () => {
  await tf.setBackend('cpu');
});

const dims: GatrDims = { family: 'gatr', mvChannels: 3, sChannels: 6, blocks: 1, heads: 2 };
const ex = makeFixtureExamples({ count: 2, maxBodies: 3, maxVerts: 4, seed: 1 });
const shapes = { maxBodies: ex.maxBodies, maxVerts: ex.maxVerts, bodyFeatureCount: ex.bodyFeatureCount };

describe('gatrEmbed', () => {
  it('embeds motions as directions, vertices as points about the centroid, gravity and the floor on every token; body features as the only scalars', async () => {
    const { mv, s, mask } = gatrEmbed(batchTensors(ex));
    const V = ex.maxVerts;
    assert.deepEqual(mv.shape, [ex.count, ex.maxBodies, 2 * V + 2, 16]);
    const F = ex.bodyFeatureCount;
    assert.deepEqual(s.shape, [ex.count, ex.maxBodies, F]);
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
          const sRow = (n * ex.maxBodies + b) * F;
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

/**
 * Real E(3) elements, none of them (near) the identity: a random rotation, a random reflection (det -1), a
 * translation, and general ones (a rotation or reflection composed with a translation).
 */
function groupElements(seed: number): { kind: string; g: E3 }[] {
  const rng = new Rng(seed);
  const t = () => randomTranslation(rng, 2);
  const out = [
    { kind: 'rotation', g: randomRotation(rng) },
    { kind: 'reflection', g: randomReflection(rng) },
    { kind: 'translation', g: t() },
    { kind: 'general rotation', g: composeE3(t(), randomRotation(rng)) },
    { kind: 'general reflection', g: composeE3(t(), randomReflection(rng)) },
  ];
  for (const { kind, g } of out) {
    const offDiagonal = g.rotation.reduce((a, x, i) => a + Math.abs(x - (i % 4 === 0 ? 1 : 0)), 0);
    const shift = Math.hypot(...g.translation);
    if (kind !== 'translation') assert.ok(offDiagonal > 0.1, `${kind} is (nearly) the identity rotation`);
    if (kind === 'translation' || kind.startsWith('general')) assert.ok(shift > 0.1, `${kind} has (nearly) no translation`);
    assert.equal(e3Determinant(g) < 0, kind.includes('reflection'), `${kind}: determinant ${e3Determinant(g)}`);
  }
  return out;
}

/** Relative error bound of the equivariance tests (relative to the predicted displacement). */
const TOL = 1e-4;

async function assertEquivariant(predict: (e: typeof ex) => tf.Tensor, kinds: (k: string) => boolean, seed: number, what: string): Promise<void> {
  for (const { kind, g } of groupElements(seed).filter((x) => kinds(x.kind))) {
    const { relError, relToDisplacement } = await benchmarkEquivarianceError(predict, ex, g);
    assert.ok(relError <= TOL && relToDisplacement <= TOL, `${what}, ${kind}: ${relError}, relative to the displacement ${relToDisplacement}`);
  }
}

const rot = (g: E3, x: ArrayLike<number>) => [0, 1, 2].map((r) => g.rotation[3 * r]! * x[0]! + g.rotation[3 * r + 1]! * x[1]! + g.rotation[3 * r + 2]! * x[2]!);

describe('rigid output', () => {
  it("GATr's readout gives a vector translation and an axial rotation vector under every kind of group element", () => {
    const rng = makeRng(3);
    const readout = (mv: ArrayLike<number>) => {
      const o = new Array<number>(6).fill(0);
      for (const [r, c, w] of RIGID_READOUT) o[r]! += w * mv[c]!;
      return o;
    };
    for (const kind of ['rotation', 'reflection', 'translation', 'general', 'general', 'general'] as PinKind[]) {
      const u = samplePin(rng, kind);
      const g = pinToE3(u);
      const x = Float32Array.from({ length: 32 }, () => rng.normal());
      const before = readout(x);
      const after = readout(actOnMultivectors(u, x));
      const det = e3Determinant(g);
      const expected = [...rot(g, before.slice(0, 3)), ...rot(g, before.slice(3)).map((w) => det * w)];
      expected.forEach((e, i) => assert.ok(Math.abs(after[i]! - e) < 1e-4, `${kind} [${i}]: ${after[i]} vs ${e}`));
      if (kind === 'general') assert.ok(Math.hypot(...g.translation) > 1e-3 && g.rotation.some((r, i) => Math.abs(r - (i % 4 === 0 ? 1 : 0)) > 1e-3), 'general element is not the identity');
    }
  });

  it('moves each body rigidly (distances kept, Rodrigues rotation) and commutes with E(3) (axial rotation vector)', async () => {
    const n = ex.count, b = ex.maxBodies, v = ex.maxVerts;
    const rng = new Rng(4);
    const t = Float32Array.from({ length: n * b * 3 }, () => rng.normal(0, 0.3));
    const w = Float32Array.from({ length: n * b * 3 }, () => rng.normal(0, 1));
    const disp = async (curr: Float32Array, tt: Float32Array, ww: Float32Array) =>
      (await rigidDisplacement(tf.tensor4d(curr, [n, b, v, 3]), tf.tensor3d(ex.vertMask, [n, b, v]), tf.tensor3d(tt, [n, b, 3]), tf.tensor3d(ww, [n, b, 3])).data()) as Float32Array;
    const d = await disp(ex.curr, t, w);
    // w = (0, 0, pi/2) turns a body's x axis into its y axis (right-handed, angle = |w|); t adds on top
    const two = Float32Array.from([1, 0, 0, -1, 0, 0]);
    const quarter = await rigidDisplacement(tf.tensor4d(two, [1, 1, 2, 3]), tf.ones([1, 1, 2]), tf.tensor3d([0.5, 0, 0], [1, 1, 3]), tf.tensor3d([0, 0, Math.PI / 2], [1, 1, 3])).data();
    [-0.5, 1, 0, 1.5, -1, 0].forEach((x, i) => assert.ok(Math.abs(quarter[i]! - x) < 1e-5, `quarter turn [${i}]: ${quarter[i]} vs ${x}`));
    for (let body = 0; body < n * b; body++) {
      const real = [...Array(v).keys()].filter((j) => ex.vertMask[body * v + j] === 1);
      const p = (arr: ArrayLike<number>, j: number, plus?: ArrayLike<number>) => [0, 1, 2].map((k) => arr[(body * v + j) * 3 + k]! + (plus ? plus[(body * v + j) * 3 + k]! : 0));
      for (const i of real) for (const j of real) {
        const before = Math.hypot(...p(ex.curr, i).map((x, k) => x - p(ex.curr, j)[k]!));
        const after = Math.hypot(...p(ex.curr, i, d).map((x, k) => x - p(ex.curr, j, d)[k]!));
        assert.ok(Math.abs(before - after) < 1e-5, `body ${body}: distance ${before} -> ${after}`);
      }
    }
    for (const { kind, g } of groupElements(9)) {
      const det = e3Determinant(g);
      const moved = Float32Array.from(ex.curr);
      for (let i = 0; i < moved.length / 3; i++) {
        if (ex.vertMask[i] === 0) continue;
        const q = rot(g, ex.curr.subarray(3 * i, 3 * i + 3));
        for (let k = 0; k < 3; k++) moved[3 * i + k] = q[k]! + g.translation[k]!;
      }
      const tm = new Float32Array(t.length), wm = new Float32Array(w.length);
      for (let i = 0; i < n * b; i++) {
        tm.set(rot(g, t.subarray(3 * i, 3 * i + 3)), 3 * i);
        wm.set(rot(g, w.subarray(3 * i, 3 * i + 3)).map((x) => det * x), 3 * i);
      }
      const dm = await disp(moved, tm, wm);
      for (let i = 0; i < dm.length / 3; i++) {
        if (ex.vertMask[i] === 0) continue;
        const e = rot(g, d.subarray(3 * i, 3 * i + 3));
        for (let k = 0; k < 3; k++) assert.ok(Math.abs(dm[3 * i + k]! - e[k]!) < 1e-5, `${kind}: vertex ${i}`);
      }
    }
  });
});

describe('createGatrModel', () => {
  it('is E(3)-equivariant on the benchmark with the floor and gravity transformed along (rigid and vertex outputs)', async () => {
    for (const output of ['rigid', 'vertex'] as const) {
      const model = createGatrModel({ ...dims, output }, shapes, 5, { motionGain: 1.3 });
      await assertEquivariant((e) => model.predict(e), () => true, 6, output);
      model.dispose();
    }
  });

  it('with distance-aware attention it is E(3)-equivariant as well', async () => {
    const model = createGatrModel({ ...dims, attention: 'distance' }, shapes, 5, { motionGain: 1.3 });
    await assertEquivariant((e) => model.predict(e), () => true, 8, 'distance');
    model.dispose();
  });

  it('without symmetrization is exactly SE(3)-equivariant (rotations, translations)', async () => {
    const model = createGatrModel({ ...dims, reflections: 'ignore' }, shapes, 5);
    await assertEquivariant((e) => model.predict(e), (k) => !k.includes('reflection'), 7, 'ignore');
    model.dispose();
  });

  it('negative controls: the transformer fails the same check; a GATr reading the floor in fixed coordinates fails it', async () => {
    const tr = createTransformerModel({ family: 'transformer', width: 8, depth: 1, heads: 2, mlpRatio: 2 }, shapes, 3);
    for (const { kind, g } of groupElements(6).filter((x) => x.kind !== 'translation')) {
      const { relToDisplacement } = await benchmarkEquivarianceError((e) => tr.predict(e), ex, g);
      assert.ok(relToDisplacement > 1e-2, `transformer, ${kind}: ${relToDisplacement}`);
    }
    tr.dispose();
    // the floor and gravity NOT transformed along (held in the original frame): GATr is no longer equivariant
    const model = createGatrModel(dims, shapes, 5);
    const fixedScene = (e: typeof ex) => model.predict({ ...e, floor: ex.floor, gravity: ex.gravity });
    const { g } = groupElements(6)[0]!;
    const { relToDisplacement } = await benchmarkEquivarianceError(fixedScene, ex, g);
    assert.ok(relToDisplacement > 1e-3, `GATr with an untransformed floor: ${relToDisplacement}`);
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
    // the rigid output's decode (one small batched matMul per body, flops.ts rigidOutputExecutedFlops) is executed once
    assert.equal(model.flops().executedFlopsPerSample, 2 * shapes.maxBodies * perToken.executedPerToken + rigidOutputExecutedFlops(shapes).total);
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
