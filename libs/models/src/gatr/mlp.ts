/**
 * Geometric MLP of a GATr block (gatr-spec.md section 4): bilinear (c -> 2c, s -> 2s), gated GELU,
 * EquiLinear (2c -> c, 2s -> s).
 *
 * The bilinear's four projections L, R, JL, JR (each EquiLinear(c -> c, s -> none)) are ONE EquiLinear
 * (c -> 4c) whose output channels are [L (c), R (c), JL (c), JR (c)]; the products are two channelwise
 * contractions (primitives.ts), gp = GP(L, R) and join = ref[14] Join(JL, JR), concatenated as the 2c
 * input channels of the next EquiLinear (same parameter count and init as separate layers; R's channels get
 * the reference's 'almost_unit_scalar' init).
 */
import * as tf from '@tensorflow/tfjs';
import { EquiLinear } from './equi-linear.js';
import type { ParamFactory } from './params.js';
import { gatedGelu, geometricProductRows, joinRows, pack, unpack } from './primitives.js';

export class GeometricMlp {
  readonly projections: EquiLinear;
  readonly bilinearOut: EquiLinear;
  readonly out: EquiLinear;

  constructor(params: ParamFactory, readonly c: number, readonly s: number) {
    this.projections = new EquiLinear(params, { inMv: c, outMv: 4 * c, inS: s, outS: 0 });
    // the right-hand factor R starts as an almost-unit scalar, as in the reference (GeometricBilinear's
    // linear_right, init "almost_unit_scalar"): the geometric product starts close to L(x)
    this.projections.almostUnitScalarOutputs(c, 2 * c);
    this.bilinearOut = new EquiLinear(params, { inMv: 2 * c, outMv: 2 * c, inS: s, outS: 2 * s });
    this.out = new EquiLinear(params, { inMv: 2 * c, outMv: c, inS: 2 * s, outS: s });
  }

  get paramCount(): number {
    return this.projections.paramCount + this.bilinearOut.paramCount + this.out.paramCount;
  }

  get variables(): tf.Variable[] {
    return [...this.projections.variables, ...this.bilinearOut.variables, ...this.out.variables];
  }

  /**
   * xn: normalised packed rows (batch * items, 16c + s); ref14: (batch, 1), the e123 component of the
   * join reference per sample. Returns (batch * items, 16c + s).
   */
  apply(xn: tf.Tensor2D, batch: number, ref14: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { c, s } = this;
      const rows = xn.shape[0];
      const proj = this.projections.apply(xn);
      const part = (i: number) => tf.slice(proj, [0, 16 * c * i], [rows, 16 * c]);
      const gp = geometricProductRows(part(0), part(1), c);
      const join = tf.mul(joinRows(part(2), part(3), c).reshape([batch, -1]), ref14).reshape([rows, 16 * c]) as tf.Tensor2D;
      const [, sc] = unpack(xn, c, s);
      const hidden = gatedGelu(this.bilinearOut.apply(pack(tf.concat([gp, join], 1), sc)), 2 * c, 2 * s);
      return this.out.apply(hidden);
    });
  }
}
