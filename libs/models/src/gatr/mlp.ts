/**
 * Geometric MLP of a GATr block (gatr-spec.md section 4): bilinear (c -> 2c, s -> 2s), gated GELU,
 * EquiLinear (2c -> c, 2s -> s).
 *
 * The bilinear's four projections L, R, JL, JR (each EquiLinear(c -> c, s -> none)) are ONE EquiLinear
 * (c -> 4c) whose output channels are laid out [c x (L, JL)] then [c x (R, JR)], so that the geometric
 * product and join of every channel come out of one batched contraction (primitives.geometricBilinear)
 * as [c x (gp, join)]. The next EquiLinear takes its 2c input channels in that interleaved order
 * (channel order is a labelling: the parameter count and init are those of separate layers).
 */
import * as tf from '@tensorflow/tfjs';
import { EquiLinear } from './equi-linear.js';
import type { ParamFactory } from './params.js';
import { gatedGelu, geometricBilinear, pack, unpack } from './primitives.js';

export class GeometricMlp {
  readonly projections: EquiLinear;
  readonly bilinearOut: EquiLinear;
  readonly out: EquiLinear;

  constructor(params: ParamFactory, readonly c: number, readonly s: number) {
    this.projections = new EquiLinear(params, { inMv: c, outMv: 4 * c, inS: s, outS: 0 });
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
   * xn: normalised packed rows (batch * items, 16c + s); joinScale: (batch, 1, 2, 1) = [1, ref[14]] per
   * sample. Returns (batch * items, 16c + s).
   */
  apply(xn: tf.Tensor2D, batch: number, joinScale: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const { c, s } = this;
      const rows = xn.shape[0];
      const proj = this.projections.apply(xn);
      const left = tf.slice(proj, [0, 0], [rows, 32 * c]);
      const right = tf.slice(proj, [0, 32 * c], [rows, 32 * c]);
      const products = tf
        .mul(geometricBilinear(left, right, c).reshape([batch, (rows / batch) * c, 2, 16]), joinScale)
        .reshape([rows, 32 * c]) as tf.Tensor2D;
      const [, sc] = unpack(xn, c, s);
      const hidden = gatedGelu(this.bilinearOut.apply(pack(products, sc)), 2 * c, 2 * s);
      return this.out.apply(hidden);
    });
  }
}
