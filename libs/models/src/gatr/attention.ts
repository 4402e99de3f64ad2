/**
 * Multi-query geometric self-attention (gatr-spec.md section 4), "sdp" variant: the logit of query i and
 * key j is the invariant inner product of their multivectors (8 components per channel) plus the dot
 * product of their scalars, over sqrt(8 n_mv + n_s). K and V are shared by all heads.
 *
 * Implementation: Q, K and V come from ONE EquiLinear (c -> (H + 2) n_mv, s -> (H + 2) n_s) in split mode,
 * regrouped per head as [mv (16 n_mv), scalars (n_s)] = D features; one elementwise factor applies the
 * inner-product mask, the 1/sqrt scale and the per-head-channel weights exp(logWeights) to the queries, so
 * attention is two batched matMuls per sample: (items*H, D) @ (D, items) and (items*H, items) @ (items, D).
 *
 * logWeights (H, n_mv), zero at init, scale each query channel's inner product by exp(w). The reference
 * has the same parameter but applies it to its distance features (distance-aware variant, not built
 * here); in this sdp variant it is an equivariant per-channel temperature, identical to plain sdp at init.
 */
import * as tf from '@tensorflow/tfjs';
import { INNER_PRODUCT_MASK } from './basis.js';
import { EquiLinear } from './equi-linear.js';
import type { ParamFactory } from './params.js';
import { constant } from './primitives.js';

export interface AttentionSizes {
  heads: number;
  /** multivector channels per head: max(floor(2c / H), 1) */
  headMv: number;
  /** scalar channels per head: max(floor(2s / H), 4) */
  headS: number;
}

export function attentionSizes(c: number, s: number, heads: number): AttentionSizes {
  return { heads, headMv: Math.max(Math.floor((2 * c) / heads), 1), headS: Math.max(Math.floor((2 * s) / heads), 4) };
}

export class GeometricAttention {
  readonly sizes: AttentionSizes;
  readonly qkv: EquiLinear;
  readonly out: EquiLinear;
  readonly logWeights: tf.Variable;

  constructor(params: ParamFactory, readonly c: number, readonly s: number, heads: number) {
    this.sizes = attentionSizes(c, s, heads);
    const { headMv: m, headS: n } = this.sizes;
    this.qkv = new EquiLinear(params, { inMv: c, outMv: (heads + 2) * m, inS: s, outS: (heads + 2) * n });
    this.out = new EquiLinear(params, { inMv: heads * m, outMv: c, inS: heads * n, outS: s }, 'small');
    this.logWeights = params.zeros('attn_log_weights', [heads, m]);
  }

  get paramCount(): number {
    return this.qkv.paramCount + this.out.paramCount + this.sizes.heads * this.sizes.headMv;
  }

  get variables(): tf.Variable[] {
    return [...this.qkv.variables, ...this.out.variables, this.logWeights];
  }

  /** Per-head feature width D = 16 n_mv + n_s. */
  get headDim(): number {
    return 16 * this.sizes.headMv + this.sizes.headS;
  }

  /**
   * xn: normalised packed rows (batch * items, 16c + s); keyBias: (batch, 1, items) additive logit bias
   * (0 for real keys, a large negative number for padding) or null. Returns (batch * items, 16c + s).
   */
  /** (H + 2, D) factors on the grouped q, k, v features: inner-product mask, 1/sqrt scale, exp(logWeights) on q. */
  private featureScale(): tf.Tensor2D {
    const { heads: H, headMv: m, headS: n } = this.sizes;
    const scale = 1 / Math.sqrt(8 * m + n);
    const maskRow = constant(`attn-mask-${scale}`, () => tf.tensor(INNER_PRODUCT_MASK.map((v) => v * scale), [1, 1, 16]));
    const qMv = tf.mul(tf.exp(this.logWeights).reshape([H, m, 1]), maskRow).reshape([H, 16 * m]);
    const qS = tf.fill([H, n], scale);
    return tf.concat([tf.concat([qMv, qS], 1), tf.ones([2, this.headDim])], 0) as tf.Tensor2D;
  }

  apply(xn: tf.Tensor2D, batch: number, items: number, keyBias: tf.Tensor3D | null): tf.Tensor2D {
    return tf.tidy(() => {
      const { heads: H, headMv: m, headS: n } = this.sizes;
      const D = this.headDim;
      const rows = xn.shape[0];
      const { c, s } = this;
      const qkv = this.qkv.applySplit(
        s > 0 ? tf.slice(xn, [0, 0], [rows, 16 * c]) : xn,
        s > 0 ? tf.slice(xn, [0, 16 * c], [rows, s]) : null,
      );
      // group per head: (rows, H + 2, D) with D = [mv (16m), scalars (n)]
      const grouped = tf.mul(tf.concat([qkv.mv.reshape([rows, H + 2, 16 * m]), qkv.s!.reshape([rows, H + 2, n])], 2), this.featureScale());
      const q = tf.slice(grouped, [0, 0, 0], [rows, H, D]).reshape([batch, items * H, D]);
      const kT = tf.slice(grouped, [0, H, 0], [rows, 1, D]).reshape([batch, items, D]).transpose([0, 2, 1]);
      const v = tf.slice(grouped, [0, H + 1, 0], [rows, 1, D]).reshape([batch, items, D]);
      let logits = tf.matMul(q as tf.Tensor3D, kT as tf.Tensor3D); // (batch, items*H, items)
      if (keyBias) logits = tf.add(logits, keyBias);
      const attended = tf.matMul(tf.softmax(logits), v as tf.Tensor3D).reshape([rows, H, D]);
      const out = this.out.applySplit(
        tf.slice(attended, [0, 0, 0], [rows, H, 16 * m]).reshape([rows, 16 * H * m]) as tf.Tensor2D,
        tf.slice(attended, [0, 0, 16 * m], [rows, H, n]).reshape([rows, H * n]) as tf.Tensor2D,
      );
      return out.s ? tf.concat([out.mv, out.s], 1) : out.mv;
    });
  }
}
