/**
 * Issue 16's families at the model level: gatr+approx (exact with its fixed inputs off, not after training with
 * them on), transformer+lps (exact for a fixed noise draw), and their parameter accounting.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng, composeE3, e3Determinant, randomReflection, randomRotation, randomTranslation, type E3, type Examples } from '@equiscale/rigid-body';
import type { GatrDims, TransformerDims } from './api.js';
import { benchmarkEquivarianceError } from './gatr/equivariance.js';
import { createGatrModel } from './gatr/rigid-body-model.js';
import { summarize } from './ladder.js';
import { createLpsModel } from './transformer/lps.js';
import { makeFixtureExamples } from './task/fixture.js';
import { coordMask, maskedSquaredError } from './train/evaluate.js';

before(async () => {
  await tf.setBackend('cpu');
});

const ex = makeFixtureExamples({ count: 3, maxBodies: 3, maxVerts: 4, seed: 5 });
const shapes = { maxBodies: ex.maxBodies, maxVerts: ex.maxVerts, bodyFeatureCount: ex.bodyFeatureCount };
const TOL = 1e-4;

/** Real E(3) elements (rotation, reflection, translation, general rotation / reflection with a translation), none near the identity. */
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
    const off = g.rotation.reduce((a, x, i) => a + Math.abs(x - (i % 4 === 0 ? 1 : 0)), 0);
    if (kind !== 'translation') assert.ok(off > 0.1, `${kind} is nearly the identity`);
    if (kind !== 'rotation' && kind !== 'reflection') assert.ok(Math.hypot(...g.translation) > 0.1);
    assert.equal(e3Determinant(g) < 0, kind.includes('reflection'));
  }
  return out;
}

async function maxError(predict: (e: Examples) => tf.Tensor, seed: number): Promise<number> {
  let worst = 0;
  for (const { g } of groupElements(seed)) {
    const { relError, relToDisplacement } = await benchmarkEquivarianceError(predict, ex, g);
    worst = Math.max(worst, relError, relToDisplacement);
  }
  return worst;
}

/** A few Adam steps on targets with a constant +x push (a "wind" the scene's symmetry cannot express). */
function trainSteps(net: { variables: tf.Variable[]; predict(e: Examples): tf.Tensor }, steps: number): void {
  const windy: Examples = { ...ex, target: ex.target.map((x, i) => (i % 3 === 0 ? x + 0.05 : x)) };
  const { mask, count } = coordMask(windy);
  const opt = tf.train.adam(3e-2);
  for (let s = 0; s < steps; s++) {
    opt.minimize(() => tf.div(maskedSquaredError(net.predict(windy), windy, mask), count) as tf.Scalar, false, net.variables);
  }
  opt.dispose();
}

describe('gatr+approx (learned fixed inputs)', () => {
  const dims: GatrDims = { family: 'gatr', mvChannels: 3, sChannels: 6, blocks: 1, heads: 2, approxInputs: 2 };

  it('starts exactly equivariant, is exact with the inputs off after training, and not with them on', async () => {
    const net = createGatrModel(dims, shapes, 3, { motionGain: 1 });
    try {
      assert.ok(net.setSymmetryBreaking, 'the model offers the switch');
      const atInit = await maxError((e) => net.predict(e), 1);
      assert.ok(atInit <= TOL, `at init (inputs on, zero): ${atInit}`);
      trainSteps(net, 5);
      const on = await maxError((e) => net.predict(e), 2);
      net.setSymmetryBreaking!(false);
      const off = await maxError((e) => net.predict(e), 2);
      net.setSymmetryBreaking!(true);
      assert.ok(off <= TOL, `inputs off after training: ${off}`);
      assert.ok(on > 1e-3, `inputs on after training should break equivariance: ${on}`);
      const fixed = net.variables[net.variables.length - 1]!;
      assert.deepEqual(fixed.shape, [1, 1, 2, 16]);
      assert.ok(tf.max(tf.abs(fixed)).dataSync()[0]! > 0, 'the fixed inputs moved away from zero');
    } finally {
      net.dispose();
    }
  });

  it('counts 16 parameters per fixed input plus the first layer’s extra input channels', () => {
    const plain = summarize({ ...dims, approxInputs: 0 }, shapes);
    const approx = summarize(dims, shapes);
    const net = createGatrModel(dims, shapes, 1);
    try {
      const actual = net.variables.reduce((a, v) => a + v.size, 0);
      assert.equal(approx.paramCount, actual);
      // EquiLinear in->c with s outputs: 9 c + s weights per extra input channel
      assert.equal(approx.paramCount - plain.paramCount, 2 * (16 + 9 * dims.mvChannels + dims.sChannels));
      assert.ok(approx.nominalFlopsPerSample > plain.nominalFlopsPerSample);
    } finally {
      net.dispose();
    }
    assert.throws(() => summarize({ ...dims, approxInputs: 1.5 }, shapes), /approxInputs must be an integer/);
  });
});

describe('transformer+lps (probabilistic symmetrization)', () => {
  const dims: TransformerDims = { family: 'transformer', width: 16, depth: 1, heads: 2, mlpRatio: 2, lps: { samples: 3, hidden: 16, noise: 4 } };

  it('is exactly E(3)-equivariant for a fixed noise draw, before and after training; frames are orthogonal and move with the scene', async () => {
    const net = createLpsModel(dims, shapes, 4, 1);
    try {
      const noise = net.noiseFor(ex.count);
      const err0 = await maxError((e) => net.predictWithNoise(e, noise), 3);
      assert.ok(err0 <= TOL, `at init: ${err0}`);
      trainSteps(net, 3);
      const err1 = await maxError((e) => net.predictWithNoise(e, noise), 4);
      assert.ok(err1 <= TOL, `after training: ${err1}`);
      // Q^T Q = I and Q(g x) = R Q(x)
      const g = groupElements(6)[4]!.g;
      const moved = (await import('@equiscale/rigid-body')).transformExamples(ex, g);
      const a = net.frames(ex, noise);
      const b = net.frames(moved, noise);
      const qa = a.q.arraySync();
      const qb = b.q.arraySync();
      tf.dispose([a.q, a.centre, b.q, b.centre]);
      for (let s = 0; s < qa.length; s++) {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const qtq = [0, 1, 2].reduce((acc, r) => acc + qa[s]![r]![i]! * qa[s]![r]![j]!, 0);
            assert.ok(Math.abs(qtq - (i === j ? 1 : 0)) < 1e-5, `Q^T Q [${i}][${j}] = ${qtq}`);
            const rq = [0, 1, 2].reduce((acc, r) => acc + g.rotation[3 * i + r]! * qa[s]![r]![j]!, 0);
            assert.ok(Math.abs(qb[s]![i]![j]! - rq) < 1e-4, `Q(gx) vs R Q(x) at ${s},${i},${j}`);
          }
        }
      }
      // the noise matters: another draw gives another prediction (the frames are random, not a canonicalisation)
      const other = Float32Array.from(noise, (x) => -x + 0.3);
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(net.predictWithNoise(ex, noise), net.predictWithNoise(ex, other)))).dataSync()[0]!);
      assert.ok(d > 1e-5, `prediction does not depend on the noise (${d})`);
    } finally {
      net.dispose();
    }
  });

  it('uses one fixed evaluation draw and a per-step training draw', () => {
    const net = createLpsModel(dims, shapes, 4, 1);
    try {
      const e1 = net.noiseFor(2);
      net.setNoiseStep!(7);
      const s7 = net.noiseFor(2);
      net.setNoiseStep!(8);
      const s8 = net.noiseFor(2);
      net.setNoiseStep!(null);
      assert.deepEqual(net.noiseFor(2), e1);
      assert.notDeepEqual(s7, s8);
      assert.notDeepEqual(s7, e1);
    } finally {
      net.dispose();
    }
  });

  it('counts the transformer, the frame network and k base passes', () => {
    const { lps: _l, ...plainDims } = dims;
    const plain = summarize(plainDims, shapes);
    const lps = summarize(dims, shapes);
    const net = createLpsModel(dims, shapes, 1);
    try {
      assert.equal(lps.paramCount, net.variables.reduce((a, v) => a + v.size, 0));
    } finally {
      net.dispose();
    }
    const q = (7 + 4) * 16 + 16 * 12; // q's weight matrices with the default hidden 16 and noise 4
    assert.equal(lps.nominalFlopsPerSample, 3 * plain.nominalFlopsPerSample + 6 * q * shapes.maxBodies * shapes.maxVerts);
    assert.ok(lps.executedFlopsPerSample > 3 * plain.executedFlopsPerSample);
    assert.throws(() => summarize({ ...dims, lps: { samples: 0, hidden: 16, noise: 4 } }, shapes), /lps\.samples must be an integer/);
  });
});
