import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeRng, samplePin, type PinKind } from '../algebra/index.js';
import { multivectorEquivarianceError } from './equivariance.js';
import { GatrNet, type GatrNetConfig } from './network.js';
import { GeometricMlp } from './mlp.js';
import { ParamFactory } from './params.js';

before(async () => {
  await tf.setBackend('cpu');
});

const cfg: GatrNetConfig = { inMv: 3, mvChannels: 4, outMv: 2, inS: 2, sChannels: 8, outS: 3, blocks: 2, heads: 2 };

function inputs(seed: number, batch = 2, items = 5) {
  const rng = makeRng(seed);
  const mv = tf.tensor4d(Float32Array.from({ length: batch * items * cfg.inMv * 16 }, () => rng.normal()), [batch, items, cfg.inMv, 16]);
  const s = tf.tensor3d(Float32Array.from({ length: batch * items * cfg.inS }, () => rng.normal()), [batch, items, cfg.inS]);
  return { mv, s };
}

describe('GatrNet', () => {
  it('is Pin(3,0,1)-equivariant (rotations, reflections, translations, general) to 1e-4 in float32', async () => {
    const net = new GatrNet(cfg, 1);
    const { mv, s } = inputs(2);
    const mask = tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]]);
    const rng = makeRng(3);
    for (const kind of ['rotation', 'reflection', 'translation', 'general', 'general'] as PinKind[]) {
      const err = await multivectorEquivarianceError((m, sc) => net.forward(m, sc, mask), mv, s, samplePin(rng, kind));
      assert.ok(err <= 1e-4, `${kind}: relative error ${err}`);
    }
  });

  it('the distance-aware attention variant is equivariant too, and sees distances between points', async () => {
    const dcfg: GatrNetConfig = { ...cfg, attention: 'distance' };
    const net = new GatrNet(dcfg, 1);
    const { mv, s } = inputs(12);
    const rng = makeRng(13);
    for (const kind of ['rotation', 'reflection', 'translation', 'general'] as PinKind[]) {
      const err = await multivectorEquivarianceError((m, sc) => net.forward(m, sc), mv, s, samplePin(rng, kind));
      assert.ok(err <= 1e-4, `${kind}: relative error ${err}`);
    }
    // same parameter count as sdp; a different function of the trivector part
    const plain = new GatrNet(cfg, 1);
    assert.equal(net.paramCount, plain.paramCount);
    const a = await net.forward(mv, s).mv.data();
    const b = await plain.forward(mv, s).mv.data();
    assert.notDeepEqual(a, b);
  });

  it('the check fails for a non-equivariant map (a fixed per-component scaling)', async () => {
    const { mv, s } = inputs(4);
    const weights = tf.tensor1d(Float32Array.from({ length: 16 }, (_, i) => 1 + i / 10));
    const err = await multivectorEquivarianceError((m) => ({ mv: tf.mul(m, weights), s: null }), mv, s, samplePin(makeRng(5), 'rotation'));
    assert.ok(err > 1e-2, `relative error ${err}`);
  });

  it('ignores padding items: changing a masked item leaves the real items unchanged', async () => {
    const net = new GatrNet(cfg, 1);
    const { mv, s } = inputs(6, 1, 4);
    const mask = tf.tensor2d([[1, 1, 1, 0]]);
    const changed = tf.concat([tf.slice(mv, [0, 0, 0, 0], [1, 3, cfg.inMv, 16]), tf.fill([1, 1, cfg.inMv, 16], 7)], 1);
    const a = await tf.slice(net.forward(mv, s, mask).mv, [0, 0, 0, 0], [1, 3, cfg.outMv, 16]).data();
    const b = await tf.slice(net.forward(changed, s, mask).mv, [0, 0, 0, 0], [1, 3, cfg.outMv, 16]).data();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5);
  });

  it('is deterministic per seed and gives every variable a gradient', async () => {
    const { mv, s } = inputs(8);
    const a = await new GatrNet(cfg, 9).forward(mv, s).mv.data();
    const b = await new GatrNet(cfg, 9).forward(mv, s).mv.data();
    const c = await new GatrNet(cfg, 10).forward(mv, s).mv.data();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const net = new GatrNet(cfg, 9);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(net.forward(mv, s).mv)) as tf.Scalar, net.variables);
    for (const v of net.variables) {
      const g = grads[v.name];
      assert.ok(g, `no gradient for ${v.name}`);
      assert.ok((await g.data()).every(Number.isFinite));
    }
  });

  it('names the field and the expected shape on bad input', () => {
    const net = new GatrNet(cfg, 1);
    const { mv, s } = inputs(1);
    assert.throws(() => net.forward(tf.zeros([2, 5, 4, 16]), s), /mv must have shape \(batch, items, 3, 16\)/);
    assert.throws(() => net.forward(mv, null), /s must have shape/);
    assert.throws(() => net.forward(mv, s, tf.ones([2, 4])), /mask must have shape \(2, 5\)/);
  });
});

describe('GeometricMlp init', () => {
  it("starts the bilinear's right-hand projection R as an almost-unit scalar (reference init), the others as default", async () => {
    const c = 3;
    const s = 4;
    const mlp = new GeometricMlp(new ParamFactory(2), c, s);
    // zero input: each projection outputs its scalar-blade bias; R's (channels c..2c) are 1 +- 1/sqrt(s + c)
    const out = await mlp.projections.apply(tf.zeros([1, 16 * c + s]) as tf.Tensor2D).data();
    const bound = 1 / Math.sqrt(s + c);
    for (let ch = 0; ch < 4 * c; ch++) {
      const isR = ch >= c && ch < 2 * c;
      const scalar = out[16 * ch]!;
      if (isR) assert.ok(Math.abs(scalar - 1) <= bound, `R channel ${ch}: scalar ${scalar}`);
      else assert.ok(Math.abs(scalar) <= bound, `channel ${ch}: scalar ${scalar}`);
      for (let i = 1; i < 16; i++) assert.equal(out[16 * ch + i], 0);
    }
    // R's multivector weights are half the default bound: |coeff| <= 0.5 * factor / sqrt(c); L's reach beyond it
    const coeffs = (await mlp.projections.coeffs.data()) as Float32Array; // (c, 4c, 9)
    const maxAbs = (lo: number, hi: number) => {
      let m = 0;
      for (let x = 0; x < c; x++) for (let y = lo; y < hi; y++) for (let k = 1; k < 9; k++) m = Math.max(m, Math.abs(coeffs[(x * 4 * c + y) * 9 + k]!));
      return m;
    };
    assert.ok(maxAbs(c, 2 * c) < 0.65 * maxAbs(0, c), `R ${maxAbs(c, 2 * c)} vs L ${maxAbs(0, c)}`);
    mlp.variables.forEach((v) => v.dispose());
  });
});
