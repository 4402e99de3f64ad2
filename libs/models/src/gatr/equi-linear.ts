/**
 * Pin-equivariant linear layer on packed rows (gatr-spec.md section 3).
 *
 * Packed layout: one row per token, columns [mv channel 0 components 0..15, mv channel 1 ..., scalars],
 * i.e. a (rows, 16*a + p) matrix. The layer materialises ONE dense (16a + p, 16b + q) matrix and a bias
 * (16b + q) from its coefficients, so its forward is one matMul plus one add.
 */
import * as tf from '@tensorflow/tfjs';
import { BASIS_INIT_FACTORS, EQUI_LINEAR_BASIS, NUM_BASIS_MAPS } from './basis.js';
import type { ParamFactory } from './params.js';
import { equiLinearMode, equiLinearParamCount, type EquiLinearMode, type EquiLinearShape } from './sizes.js';

export {
  equiLinearExecutedFlops,
  equiLinearMode,
  equiLinearNominalFlops,
  equiLinearParamCount,
  type EquiLinearMode,
  type EquiLinearShape,
} from './sizes.js';

export type EquiLinearInit = 'default' | 'small' | 'almost_unit_scalar';

let basisTensor: tf.Tensor2D | null = null;
function basis(): tf.Tensor2D {
  if (basisTensor === null || basisTensor.isDisposed) {
    basisTensor = tf.keep(tf.tensor2d(EQUI_LINEAR_BASIS, [NUM_BASIS_MAPS, 256]));
  }
  return basisTensor;
}

export class EquiLinear {
  readonly shape: EquiLinearShape;
  /** (a, b, 9): coefficient of basis map k from input channel x to output channel y. */
  readonly coeffs: tf.Variable;
  /** (b): bias of the scalar blade (the s -> mv linear's bias when p > 0). */
  readonly biasMv: tf.Variable;
  /** (p, b) scalars -> scalar blade. */
  readonly sToMv: tf.Variable | null;
  /** (a, q) scalar blade -> scalars, with bias (q). */
  readonly mvToS: tf.Variable | null;
  readonly biasS: tf.Variable | null;
  /** (p, q) scalars -> scalars, no bias. */
  readonly sToS: tf.Variable | null;
  /** How apply() multiplies by default (equiLinearMode of the shape). */
  readonly mode: EquiLinearMode;

  constructor(params: ParamFactory, shape: EquiLinearShape, init: EquiLinearInit = 'default') {
    const { inMv: a, outMv: b, inS: p, outS: q } = shape;
    for (const [k, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`EquiLinear: ${k} must be a non-negative integer, got ${v}`);
    }
    if (a < 1 || b < 1) throw new Error(`EquiLinear: inMv and outMv must be >= 1 (got ${a}, ${b})`);
    this.shape = shape;
    this.mode = equiLinearMode(shape);
    // Reference init (gatr/layers/linear.py): additional factor 1/sqrt(3) cancels the uniform's sqrt(3).
    const mvFactor = init === 'small' ? 0.1 : init === 'almost_unit_scalar' ? 0.5 : 1;
    const sFactor = init === 'small' ? 0.1 : 1;
    const biasShift = init === 'almost_unit_scalar' ? 1 : 0;
    const bounds = BASIS_INIT_FACTORS.map((f) => (f * mvFactor) / Math.sqrt(a));
    if (p > 0) bounds[0] = (BASIS_INIT_FACTORS[0]! * mvFactor) / Math.sqrt(a) / Math.SQRT2;
    this.coeffs = params.uniform('coeffs', [a, b, NUM_BASIS_MAPS], bounds);
    if (p > 0) {
      this.sToMv = params.uniform('s_to_mv', [p, b], mvFactor / Math.sqrt(p) / Math.SQRT2);
      const bb = 1 / Math.sqrt(p + a);
      const bias = params.uniform('bias_mv', [b], bb);
      if (biasShift !== 0) bias.assign(tf.add(bias, biasShift));
      this.biasMv = bias;
    } else {
      this.sToMv = null;
      this.biasMv = params.zeros('bias_mv', [b]);
      if (biasShift !== 0) this.biasMv.assign(tf.fill([b], biasShift));
    }
    const sModels = (q > 0 ? 1 : 0) + (q > 0 && p > 0 ? 1 : 0);
    this.mvToS = q > 0 ? params.uniform('mv_to_s', [a, q], sFactor / Math.sqrt(a) / Math.sqrt(sModels)) : null;
    this.sToS = q > 0 && p > 0 ? params.uniform('s_to_s', [p, q], sFactor / Math.sqrt(p) / Math.sqrt(sModels)) : null;
    this.biasS = q > 0 ? params.uniform('bias_s', [q], sFactor / Math.sqrt(a + (p > 0 ? p : 0))) : null;
  }

  get paramCount(): number {
    return equiLinearParamCount(this.shape);
  }

  /**
   * Re-initialises output channels [from, to) as 'almost_unit_scalar' (the reference's init of the geometric
   * bilinear's right-hand projection): their multivector weights (coefficients and scalars -> scalar blade) are
   * scaled by 0.5, the 'almost_unit_scalar' factor, and 1 is added to their scalar-blade bias, so they start
   * as about the unit scalar and GP(L(x), R(x)) starts close to L(x). Uses the values already drawn: no extra
   * random draws, so the rest of the model's initialisation is unchanged.
   */
  almostUnitScalarOutputs(from: number, to: number): void {
    const b = this.shape.outMv;
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to && to <= b)) {
      throw new Error(`EquiLinear.almostUnitScalarOutputs: need 0 <= from < to <= ${b} (got ${from}, ${to})`);
    }
    const mask = new Float32Array(b).fill(0);
    mask.fill(1, from, to);
    tf.tidy(() => {
      const m = tf.tensor1d(mask);
      const scale = tf.sub(1, tf.mul(m, 0.5)); // 0.5 on the chosen channels, 1 elsewhere
      this.coeffs.assign(tf.mul(this.coeffs, scale.reshape([1, b, 1])));
      if (this.sToMv) this.sToMv.assign(tf.mul(this.sToMv, scale.reshape([1, b])));
      this.biasMv.assign(tf.add(this.biasMv, m));
    });
  }

  get variables(): tf.Variable[] {
    return [this.coeffs, this.biasMv, this.sToMv, this.mvToS, this.biasS, this.sToS].filter(
      (v): v is tf.Variable => v !== null,
    );
  }

  /** (16a, 16b): the multivector-to-multivector block. */
  mvMatrix(): tf.Tensor2D {
    const { inMv: a, outMv: b } = this.shape;
    return tf.tidy(() =>
      tf
        .matMul(this.coeffs.reshape([a * b, NUM_BASIS_MAPS]), basis())
        .reshape([a, b, 16, 16])
        .transpose([0, 3, 1, 2])
        .reshape([16 * a, 16 * b]),
    ) as tf.Tensor2D;
  }

  /**
   * The scalar paths of the split mode: rows [scalar blade of each input channel (a, only when q > 0),
   * input scalars (p)], columns [scalar blade of each output channel (b, only when p > 0), output scalars
   * (q)]; the (a x b) block is zero (that path is basis map 0 of mvMatrix). Null when p = q = 0.
   */
  scalarMatrix(): tf.Tensor2D | null {
    const { inMv: a, outMv: b, inS: p, outS: q } = this.shape;
    if (p === 0 && q === 0) return null;
    return tf.tidy(() => {
      if (q === 0) return this.sToMv!.clone() as tf.Tensor2D;
      if (p === 0) return this.mvToS!.clone() as tf.Tensor2D;
      const top = tf.concat([tf.zeros([a, b]), this.mvToS as tf.Tensor2D], 1);
      const bottom = tf.concat([this.sToMv as tf.Tensor2D, this.sToS as tf.Tensor2D], 1);
      return tf.concat([top, bottom], 0) as tf.Tensor2D;
    });
  }

  /**
   * Split-mode forward. mv: (rows, 16a); s: (rows, p) or null when p = 0.
   * Returns mv (rows, 16b) and s (rows, q) (null when q = 0).
   */
  applySplit(mv: tf.Tensor2D, s: tf.Tensor2D | null): { mv: tf.Tensor2D; s: tf.Tensor2D | null } {
    const { inMv: a, outMv: b, inS: p, outS: q } = this.shape;
    const rows = mv.shape[0];
    if (mv.shape[1] !== 16 * a) throw new Error(`EquiLinear: expected mv with ${16 * a} columns (16*${a}), got ${mv.shape[1]}`);
    if ((p > 0) !== (s !== null) || (s !== null && (s.shape[1] !== p || s.shape[0] !== rows))) {
      throw new Error(`EquiLinear: expected scalars of shape (${rows}, ${p}), got ${s ? `(${s.shape.join(', ')})` : 'null'}`);
    }
    const [outMv, outS] = tf.tidy(() => {
      let mvOut: tf.Tensor = tf.matMul(mv, this.mvMatrix());
      const w = this.scalarMatrix();
      let sOut: tf.Tensor | null = null;
      let blades: tf.Tensor = this.biasMv; // (b) or (rows, b): added to the scalar blade of each channel
      if (w) {
        const parts: tf.Tensor2D[] = [];
        if (q > 0) parts.push(tf.slice(mv.reshape([rows, a, 16]), [0, 0, 0], [rows, a, 1]).reshape([rows, a]));
        if (p > 0) parts.push(s!);
        const bias = q > 0 ? tf.concat([p > 0 ? this.biasMv : tf.zeros([0]), this.biasS!], 0) : this.biasMv;
        const out = tf.add(tf.matMul(parts.length > 1 ? tf.concat(parts, 1) : parts[0]!, w), bias);
        if (p > 0) blades = q > 0 ? tf.slice(out, [0, 0], [rows, b]) : out;
        if (q > 0) sOut = p > 0 ? tf.slice(out, [0, b], [rows, q]) : out;
      }
      const padded = blades.rank === 1 ? blades.reshape([b, 1]).pad([[0, 0], [0, 15]]).reshape([16 * b]) : blades.reshape([rows, b, 1]).pad([[0, 0], [0, 0], [0, 15]]).reshape([rows, 16 * b]);
      mvOut = tf.add(mvOut, padded);
      return sOut ? [mvOut, sOut] : [mvOut];
    });
    return { mv: outMv as tf.Tensor2D, s: (outS as tf.Tensor2D | undefined) ?? null };
  }

  /** Dense matrix split by blocks: rows [mv (16a), s (p)], columns [mv (16b), s (q)]. */
  denseMatrix(): tf.Tensor2D {
    const { inMv: a, outMv: b, inS: p, outS: q } = this.shape;
    return tf.tidy(() => {
      // (a*b, 9) @ (9, 256) -> (a, b, i_out, j_in) -> (a, j_in, b, i_out)
      const mm = tf
        .matMul(this.coeffs.reshape([a * b, NUM_BASIS_MAPS]), basis())
        .reshape([a, b, 16, 16])
        .transpose([0, 3, 1, 2])
        .reshape([16 * a, 16 * b]) as tf.Tensor2D;
      let top: tf.Tensor2D = mm;
      if (q > 0) {
        // scalar blade of each input channel -> scalars: rows x*16 + 0
        const ms = this.mvToS!.reshape([a, 1, q]).pad([[0, 0], [0, 15], [0, 0]]).reshape([16 * a, q]);
        top = tf.concat([mm, ms as tf.Tensor2D], 1);
      }
      if (p === 0) return top;
      // scalars -> scalar blade of each output channel: columns y*16 + 0
      let bottom = this.sToMv!.reshape([p, b, 1]).pad([[0, 0], [0, 0], [0, 15]]).reshape([p, 16 * b]) as tf.Tensor2D;
      if (q > 0) bottom = tf.concat([bottom, this.sToS as tf.Tensor2D], 1);
      return tf.concat([top, bottom], 0);
    });
  }

  /** Bias (16b + q): the scalar blade of every output channel, then the scalar outputs. */
  denseBias(): tf.Tensor1D {
    const { outMv: b } = this.shape;
    return tf.tidy(() => {
      const mv = this.biasMv.reshape([b, 1]).pad([[0, 0], [0, 15]]).reshape([16 * b]) as tf.Tensor1D;
      return this.biasS ? tf.concat([mv, this.biasS as tf.Tensor1D], 0) : mv;
    });
  }

  /** Packed (rows, 16a + p) -> (rows, 16b + q), in this layer's mode (or the one given). */
  apply(x: tf.Tensor2D, mode: EquiLinearMode = this.mode): tf.Tensor2D {
    const { inMv: a, inS: p } = this.shape;
    if (x.shape[1] !== 16 * a + p) {
      throw new Error(`EquiLinear: expected packed input with ${16 * a + p} columns (16*${a} + ${p}), got ${x.shape[1]}`);
    }
    if (mode === 'dense') return tf.tidy(() => tf.add(tf.matMul(x, this.denseMatrix()), this.denseBias()));
    return tf.tidy(() => {
      const rows = x.shape[0];
      const mv = p > 0 ? tf.slice(x, [0, 0], [rows, 16 * a]) : x;
      const out = this.applySplit(mv, p > 0 ? tf.slice(x, [0, 16 * a], [rows, p]) : null);
      return out.s ? tf.concat([out.mv, out.s], 1) : out.mv;
    });
  }
}
