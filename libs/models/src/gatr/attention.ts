/**
 * Multi-query geometric self-attention (gatr-spec.md section 4). K and V are shared by all heads.
 * - "sdp": the logit of query i and key j is the invariant inner product of their multivectors
 *   (8 components per channel) plus the dot product of their scalars, over sqrt(8 n_mv + n_s).
 * - "distance" (the reference's default, gatr/primitives/attention.py geometric_attention): the e123
 *   component is replaced by 5 features per channel built from the trivector part t = x[11..14],
 *   normalised as t * t3 / (t3^2 + 1e-3) (t3 = e123), whose query-key product is
 *   -|q_e|^2 k3^2 - q3^2 |k_e|^2 + 2 q3 k3 (q_e . k_e) (~ -||p_q - p_k||^2 for points); the query's
 *   distance features are weighted by exp(logWeights) per head and channel; scale 1/sqrt(12 n_mv + n_s).
 *
 * Implementation: Q, K and V come from ONE EquiLinear (c -> (H + 2) n_mv, s -> (H + 2) n_s) in split mode,
 * regrouped per head as [mv (16 n_mv), scalars (n_s)] = D features; one elementwise factor applies the
 * inner-product mask, the 1/sqrt scale and the per-head-channel weights exp(logWeights) to the queries, so
 * attention is two batched matMuls per sample: (items*H, D) @ (D, items) and (items*H, items) @ (items, D).
 *
 * logWeights (H, n_mv), zero at init: in "distance" as in the reference; in "sdp" (where the reference
 * leaves it unused) it scales each query channel's inner product by exp(w), an equivariant per-channel
 * temperature that is identical to plain sdp at init, so the parameter always receives a gradient.
 */


/** Normaliser constant of the distance features (reference normalizer_eps). */
const DISTANCE_EPS = 1e-3;
import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../backend/wasm-fixes.js';
import { INNER_PRODUCT_MASK } from './basis.js';
import { EquiLinear } from './equi-linear.js';
import type { ParamFactory } from './params.js';
import { constant } from './primitives.js';
import { attentionSizes, type AttentionSizes, type AttentionVariant } from './sizes.js';

export { attentionSizes, type AttentionSizes, type AttentionVariant };

export class GeometricAttention {
  readonly sizes: AttentionSizes;
  readonly qkv: EquiLinear;
  readonly out: EquiLinear;
  readonly logWeights: tf.Variable;

  constructor(
    params: ParamFactory,
    readonly c: number,
    readonly s: number,
    heads: number,
    readonly variant: AttentionVariant = 'sdp',
  ) {
    if (variant !== 'sdp' && variant !== 'distance') throw new Error(`GeometricAttention: variant must be "sdp" or "distance", got "${String(variant)}"`);
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

  /** Per-head value width D = 16 n_mv + n_s. */
  get headDim(): number {
    return 16 * this.sizes.headMv + this.sizes.headS;
  }

  /** Per-head query/key width: D for "sdp", D + 5 n_mv for "distance". */
  get qkDim(): number {
    return this.headDim + (this.variant === 'distance' ? 5 * this.sizes.headMv : 0);
  }

  /**
   * xn: normalised packed rows (batch * items, 16c + s); keyBias: (batch, 1, items) additive logit bias
   * (0 for real keys, a large negative number for padding) or null. Returns (batch * items, 16c + s).
   */
  /** (rows, g, m, 4) trivector parts -> query-style and key-style distance features (rows, g, m, 5). */
  private static distanceFeatures(tri: tf.Tensor4D, role: 'query' | 'key'): tf.Tensor {
    const [rows, g, m] = tri.shape;
    const w = tf.slice(tri, [0, 0, 0, 3], [rows, g, m, 1]);
    const t = tf.mul(tri, tf.div(w, tf.add(tf.square(w), DISTANCE_EPS)));
    const e = tf.slice(t, [0, 0, 0, 0], [rows, g, m, 3]);
    const t3 = tf.slice(t, [0, 0, 0, 3], [rows, g, m, 1]);
    const sumSq = tf.sum(tf.square(e), -1, true);
    const t3Sq = tf.square(t3);
    const cross = tf.mul(e, t3);
    return role === 'query' ? tf.concat([sumSq, t3Sq, cross], -1) : tf.concat([tf.neg(t3Sq), tf.neg(sumSq), tf.mul(cross, 2)], -1);
  }

  /** Queries (rows, H, qkDim) and the shared key (rows, 1, qkDim), scaled. */
  private queriesAndKey(mv: tf.Tensor3D, sc: tf.Tensor3D): [tf.Tensor, tf.Tensor] {
    const { heads: H, headMv: m, headS: n } = this.sizes;
    const rows = mv.shape[0];
    const mvQ = tf.slice(mv, [0, 0, 0], [rows, H, 16 * m]);
    const mvK = tf.slice(mv, [0, H, 0], [rows, 1, 16 * m]);
    const sQ = tf.slice(sc, [0, 0, 0], [rows, H, n]);
    const sK = tf.slice(sc, [0, H, 0], [rows, 1, n]);
    const weights = tf.exp(this.logWeights).reshape([H, m, 1]);
    if (this.variant === 'sdp') {
      const scale = 1 / Math.sqrt(8 * m + n);
      const maskRow = constant(`attn-mask-${scale}`, () => tf.tensor(INNER_PRODUCT_MASK.map((v) => v * scale), [1, 1, 16]));
      const qFactor = tf.mul(weights, maskRow).reshape([1, H, 16 * m]);
      return [tf.concat([tf.mul(mvQ, qFactor), tf.mul(sQ, scale)], 2), tf.concat([mvK, sK], 2)];
    }
    const scale = 1 / Math.sqrt(12 * m + n);
    const mask7 = constant(`attn-mask7-${scale}-${m}`, () => {
      const row = INNER_PRODUCT_MASK.map((v, i) => (i === 14 ? 0 : v * scale));
      return tf.tensor(Array.from({ length: m }, () => row).flat(), [1, 1, 16 * m]);
    });
    const tri = (x: tf.Tensor, g: number) => tf.slice(x.reshape([rows, g, m, 16]), [0, 0, 0, 11], [rows, g, m, 4]) as tf.Tensor4D;
    const qd = tf.mul(GeometricAttention.distanceFeatures(tri(mvQ, H), 'query'), tf.mul(weights, scale)).reshape([rows, H, 5 * m]);
    const kd = GeometricAttention.distanceFeatures(tri(mvK, 1), 'key').reshape([rows, 1, 5 * m]);
    return [tf.concat([tf.mul(mvQ, mask7), qd, tf.mul(sQ, scale)], 2), tf.concat([mvK, kd, sK], 2)];
  }

  /**
   * xn: normalised packed rows (batch * items, 16c + s); keyBias: (batch, 1, items) additive logit bias
   * (0 for real keys, a large negative number for padding) or null. Returns (batch * items, 16c + s).
   */
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
      // per group (H query heads, the key, the value): [mv (16m), scalars (n)]
      const mv = qkv.mv.reshape([rows, H + 2, 16 * m]) as tf.Tensor3D;
      const sc = qkv.s!.reshape([rows, H + 2, n]) as tf.Tensor3D;
      const [qAll, kAll] = this.queriesAndKey(mv, sc);
      const Dqk = this.qkDim;
      const q = qAll.reshape([batch, items * H, Dqk]);
      const k = kAll.reshape([batch, items, Dqk]);
      const v = tf.concat([tf.slice(mv, [0, H + 1, 0], [rows, 1, 16 * m]), tf.slice(sc, [0, H + 1, 0], [rows, 1, n])], 2).reshape([batch, items, D]);
      let logits = matMulT(q, k, false, true); // (batch, items*H, items)
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
