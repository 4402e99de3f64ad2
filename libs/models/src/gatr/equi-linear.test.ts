import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { EQUI_LINEAR_BASIS } from './basis.js';
import { EquiLinear, equiLinearExecutedFlops, equiLinearNominalFlops, equiLinearParamCount } from './equi-linear.js';
import { gatrBlockParamCount, gatrFlopsPerToken, gatrParamCount } from './flops.js';
import { GatrBlock, GatrNet } from './network.js';
import { ParamFactory } from './params.js';
import { makeRng } from '../algebra/index.js';

before(async () => {
  await tf.setBackend('cpu');
});

const sizeOf = (vars: tf.Variable[]): number => vars.reduce((a, v) => a + v.size, 0);

describe('EquiLinear', () => {
  it('dense matMul equals the reference sum over basis maps, biases and scalar paths', async () => {
    const [a, b, p, q] = [3, 2, 4, 5];
    const layer = new EquiLinear(new ParamFactory(11), { inMv: a, outMv: b, inS: p, outS: q });
    const rng = makeRng(1);
    const rows = 3;
    const x = Float32Array.from({ length: rows * (16 * a + p) }, () => rng.normal());
    const y = await layer.apply(tf.tensor2d(x, [rows, 16 * a + p]), 'dense').data();
    for (const shape of [
      { inMv: a, outMv: b, inS: p, outS: q },
      { inMv: a, outMv: b, inS: 0, outS: q },
      { inMv: a, outMv: b, inS: p, outS: 0 },
      { inMv: a, outMv: b, inS: 0, outS: 0 },
    ]) {
      // the split mode computes the same map as the dense one
      const l = new EquiLinear(new ParamFactory(12), shape);
      const xi = tf.tensor2d(x.subarray(0, rows * (16 * a + shape.inS)), [rows, 16 * a + shape.inS]);
      const d = await l.apply(xi, 'dense').data();
      const sp = await l.apply(xi, 'split').data();
      assert.equal(d.length, rows * (16 * b + shape.outS));
      for (let i = 0; i < d.length; i++) assert.ok(Math.abs(d[i]! - sp[i]!) < 1e-4, `${JSON.stringify(shape)} entry ${i}`);
    }
    const coeffs = await layer.coeffs.data();
    const biasMv = await layer.biasMv.data();
    const sToMv = await layer.sToMv!.data();
    const mvToS = await layer.mvToS!.data();
    const biasS = await layer.biasS!.data();
    const sToS = await layer.sToS!.data();
    for (let r = 0; r < rows; r++) {
      const xr = x.subarray(r * (16 * a + p), (r + 1) * (16 * a + p));
      for (let yc = 0; yc < b; yc++) {
        for (let i = 0; i < 16; i++) {
          let acc = i === 0 ? biasMv[yc]! : 0;
          for (let xc = 0; xc < a; xc++) {
            for (let k = 0; k < 9; k++) {
              for (let j = 0; j < 16; j++) acc += coeffs[(xc * b + yc) * 9 + k]! * EQUI_LINEAR_BASIS[k * 256 + i * 16 + j]! * xr[xc * 16 + j]!;
            }
          }
          if (i === 0) for (let pi = 0; pi < p; pi++) acc += sToMv[pi * b + yc]! * xr[16 * a + pi]!;
          assert.ok(Math.abs(acc - y[r * (16 * b + q) + yc * 16 + i]!) < 1e-4, `row ${r} channel ${yc} component ${i}`);
        }
      }
      for (let qi = 0; qi < q; qi++) {
        let acc = biasS[qi]!;
        for (let xc = 0; xc < a; xc++) acc += mvToS[xc * q + qi]! * xr[xc * 16]!;
        for (let pi = 0; pi < p; pi++) acc += sToS[pi * q + qi]! * xr[16 * a + pi]!;
        assert.ok(Math.abs(acc - y[r * (16 * b + q) + 16 * b + qi]!) < 1e-4, `row ${r} scalar ${qi}`);
      }
    }
  });

  it('basis maps are normalised and the parameter count follows the spec formula', () => {
    for (let k = 0; k < 9; k++) {
      let f = 0;
      for (let e = 0; e < 256; e++) f += EQUI_LINEAR_BASIS[k * 256 + e]! ** 2;
      assert.ok(Math.abs(f - 1) < 1e-6);
    }
    for (const shape of [
      { inMv: 3, outMv: 2, inS: 4, outS: 5 },
      { inMv: 3, outMv: 2, inS: 0, outS: 5 },
      { inMv: 3, outMv: 2, inS: 4, outS: 0 },
      { inMv: 1, outMv: 1, inS: 0, outS: 0 },
    ]) {
      const layer = new EquiLinear(new ParamFactory(0), shape);
      assert.equal(sizeOf(layer.variables), equiLinearParamCount(shape));
    }
    // by hand: 9*3*2 + (4*2 + 2) + (3*5 + 5) + 4*5 = 54 + 10 + 20 + 20
    assert.equal(equiLinearParamCount({ inMv: 3, outMv: 2, inS: 4, outS: 5 }), 104);
    assert.equal(equiLinearParamCount({ inMv: 3, outMv: 2, inS: 0, outS: 0 }), 56);
  });

  it('rejects malformed input with the expected width in the message', () => {
    const layer = new EquiLinear(new ParamFactory(0), { inMv: 2, outMv: 1, inS: 1, outS: 0 });
    assert.throws(() => layer.apply(tf.zeros([1, 32]) as tf.Tensor2D), /33 columns/);
    assert.throws(() => new EquiLinear(new ParamFactory(0), { inMv: 0, outMv: 1, inS: 0, outS: 0 }), /inMv/);
  });
});

describe('GATr parameter and FLOP accounting', () => {
  it('c = 16, s = 128, H = 8 gives 220,808 parameters per block (103,064 attention + 117,744 MLP)', () => {
    assert.equal(gatrBlockParamCount(16, 128, 8), 220808);
    const block = new GatrBlock(new ParamFactory(0), 16, 128, 8);
    assert.equal(block.attention.paramCount, 103064);
    assert.equal(block.mlp.paramCount, 117744);
    assert.equal(sizeOf(block.variables), 220808);
    for (const v of block.variables) v.dispose();
  });

  it('a small network matches a hand count', () => {
    // c = 2, s = 3, H = 2: n_mv = max(2, 1) = 2, n_s = max(3, 4) = 4.
    // qkv   EquiLinear(2 -> 8, 3 -> 16): 9*16 + (3*8 + 8) + (2*16 + 16) + 3*16 = 144 + 32 + 48 + 48 = 272
    // out   EquiLinear(4 -> 2, 8 -> 3):  9*8  + (8*2 + 2) + (4*3 + 3)  + 8*3  = 72 + 18 + 15 + 24  = 129
    // logw  2*2 = 4                                                     attention = 405
    // proj  EquiLinear(2 -> 8, 3 -> 0):  9*16 + (3*8 + 8)                     = 176
    // bil   EquiLinear(4 -> 4, 3 -> 6):  9*16 + (3*4 + 4) + (4*6 + 6) + 3*6  = 144 + 16 + 30 + 18 = 208
    // mlp   EquiLinear(4 -> 2, 6 -> 3):  9*8  + (6*2 + 2) + (4*3 + 3) + 6*3   = 72 + 14 + 15 + 18  = 119
    //                                                                           block = 405 + 503 = 908
    // in    EquiLinear(1 -> 2, 1 -> 3):  18 + (2 + 2) + (3 + 3) + 3 = 31; out EquiLinear(2 -> 1, 3 -> 0): 18 + 3 + 1 = 22
    const cfg = { inMv: 1, mvChannels: 2, outMv: 1, inS: 1, sChannels: 3, outS: 0, blocks: 2, heads: 2 };
    assert.equal(gatrBlockParamCount(2, 3, 2), 908);
    assert.equal(gatrParamCount(cfg), 31 + 2 * 908 + 22);
    const net = new GatrNet(cfg, 0);
    assert.equal(net.paramCount, 31 + 2 * 908 + 22);
    assert.equal(sizeOf(net.variables), 31 + 2 * 908 + 22);
    for (const v of net.variables) v.dispose();
  });

  it('nominal and executed FLOPs match hand counts for a small configuration', () => {
    const cfg = { inMv: 1, mvChannels: 2, outMv: 1, inS: 1, sChannels: 3, outS: 0, blocks: 1, heads: 2 };
    // nominal 6 (pq + pb + aq + 256ab) per layer:
    const nominal =
      6 * (1 * 3 + 1 * 2 + 1 * 3 + 256 * 1 * 2) + // in
      6 * (3 * 16 + 3 * 8 + 2 * 16 + 256 * 2 * 8) + // qkv
      6 * (8 * 3 + 8 * 2 + 4 * 3 + 256 * 4 * 2) + // attention out
      6 * (0 + 3 * 8 + 0 + 256 * 2 * 8) + // bilinear projections
      6 * (3 * 6 + 3 * 4 + 4 * 6 + 256 * 4 * 4) + // bilinear out
      6 * (6 * 3 + 6 * 2 + 4 * 3 + 256 * 4 * 2) + // mlp out
      6 * (0 + 3 * 1 + 0 + 256 * 2 * 1); // out
    // executed: the attention's two layers run split, 6 (256ab + (a + p)(b + q)); the others are dense here
    // (split would save < 25%), 6 (16a + p)(16b + q); plus per block 3 x (layer norms 2 * 2 * 16c, bilinear
    // 2c * 256 + 2c * 2 * 256 * 16, attention 2 * 2 * H * D * items) with D = 16 * 2 + 4 = 36, items = 5
    const dense =
      6 * (17 * 35 + (256 * 2 * 8 + 5 * 24) + (256 * 4 * 2 + 12 * 5) + 35 * 128 + (64 + 3) * (64 + 6) + (64 + 6) * 35 + 35 * 16);
    const perBlock = 2 * 2 * 16 * 2 + (4 * 256 + 4 * 2 * 256 * 16) + 2 * 2 * 2 * 36 * 5;
    const f = gatrFlopsPerToken(cfg, 5);
    assert.equal(f.nominalPerToken, nominal);
    assert.equal(f.executedPerToken, dense + 3 * perBlock);
    // distance attention: logits over Dqk = D + 5 n_mv = 46 features, nominal unchanged
    const fd = gatrFlopsPerToken({ ...cfg, attention: 'distance' }, 5);
    assert.equal(fd.nominalPerToken, nominal);
    assert.equal(fd.executedPerToken, f.executedPerToken + 3 * 2 * 2 * 10 * 5);
    assert.equal(equiLinearNominalFlops({ inMv: 2, outMv: 3, inS: 0, outS: 0 }), 6 * 256 * 6);
    assert.equal(equiLinearExecutedFlops({ inMv: 2, outMv: 3, inS: 1, outS: 1 }), 6 * 33 * 49);
  });
});
