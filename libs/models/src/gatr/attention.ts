/**
 * Multi-query geometric self-attention (gatr-spec.md section 4), "sdp" variant: the logit of query i and
 * key j is the invariant inner product of their multivectors (8 components per channel) plus the dot
 * product of their scalars, over sqrt(8 n_mv + n_s). K and V are shared by all heads.
 *
 * Implementation: Q, K and V come from ONE EquiLinear (c -> (H + 2) n_mv, s -> (H + 2) n_s) whose dense
 * matrix columns are regrouped per head as [mv (16 n_mv), scalars (n_s)]; the inner-product mask, the
 * 1/sqrt scale and the per-head-channel weights exp(logWeights) are folded into the query columns, so
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

  /** (in + 1, (H + 2) D): the qkv matrix with its bias as the last row, columns grouped per head. */
  private qkvMatrix(): tf.Tensor2D {
    const { heads: H, headMv: m, headS: n } = this.sizes;
    const D = this.headDim;
    const rows = 16 * this.c + this.s + 1;
    const wb = tf.concat([this.qkv.denseMatrix(), this.qkv.denseBias().reshape([1, -1])], 0);
    const mvPart = tf.slice(wb, [0, 0], [rows, 16 * (H + 2) * m]).reshape([rows, H + 2, 16 * m]);
    const sPart = tf.slice(wb, [0, 16 * (H + 2) * m], [rows, (H + 2) * n]).reshape([rows, H + 2, n]);
    const grouped = tf.concat([mvPart, sPart], 2); // (rows, H + 2, D)
    const scale = 1 / Math.sqrt(8 * m + n);
    const maskRow = constant(`attn-mask-${scale}`, () => tf.tensor(INNER_PRODUCT_MASK.map((v) => v * scale), [1, 1, 16]));
    const qMv = tf.mul(tf.exp(this.logWeights).reshape([H, m, 1]), maskRow).reshape([H, 16 * m]);
    const qS = tf.fill([H, n], scale);
    const colScale = tf.concat([tf.concat([qMv, qS], 1), tf.ones([2, D])], 0); // (H + 2, D)
    return tf.mul(grouped, colScale).reshape([rows, (H + 2) * D]) as tf.Tensor2D;
  }

  /** (H D + 1, 16c + s): the output matrix with rows grouped per head, bias as the last row. */
  private outMatrix(): tf.Tensor2D {
    const { heads: H, headMv: m, headS: n } = this.sizes;
    const w = this.out.denseMatrix();
    const cols = w.shape[1];
    const mvRows = tf.slice(w, [0, 0], [16 * H * m, cols]).reshape([H, 16 * m, cols]);
    const sRows = tf.slice(w, [16 * H * m, 0], [H * n, cols]).reshape([H, n, cols]);
    const grouped = tf.concat([mvRows, sRows], 1).reshape([H * this.headDim, cols]) as tf.Tensor2D;
    return tf.concat([grouped, this.out.denseBias().reshape([1, cols]) as tf.Tensor2D], 0);
  }

  /**
   * xn: normalised packed rows (batch * items, 16c + s); keyBias: (batch, 1, items) additive logit bias
   * (0 for real keys, a large negative number for padding) or null. Returns (batch * items, 16c + s).
   */
  apply(xn: tf.Tensor2D, batch: number, items: number, keyBias: tf.Tensor3D | null): tf.Tensor2D {
    return tf.tidy(() => {
      const { heads: H } = this.sizes;
      const D = this.headDim;
      const rows = xn.shape[0];
      const wb = this.qkvMatrix();
      const inDim = xn.shape[1];
      const w = tf.slice(wb, [0, 0], [inDim, (H + 2) * D]);
      const b = tf.slice(wb, [inDim, 0], [1, (H + 2) * D]);
      const qkv = tf.add(tf.matMul(xn, w), b);
      const q = tf.slice(qkv, [0, 0], [rows, H * D]).reshape([batch, items * H, D]);
      const kT = tf.slice(qkv, [0, H * D], [rows, D]).reshape([batch, items, D]).transpose([0, 2, 1]);
      const v = tf.slice(qkv, [0, (H + 1) * D], [rows, D]).reshape([batch, items, D]);
      let logits = tf.matMul(q as tf.Tensor3D, kT as tf.Tensor3D); // (batch, items*H, items)
      if (keyBias) logits = tf.add(logits, keyBias);
      const attended = tf.matMul(tf.softmax(logits), v as tf.Tensor3D).reshape([rows, H * D]);
      const ob = this.outMatrix();
      const ow = tf.slice(ob, [0, 0], [H * D, ob.shape[1]]);
      const obias = tf.slice(ob, [H * D, 0], [1, ob.shape[1]]);
      return tf.add(tf.matMul(attended as tf.Tensor2D, ow), obias) as tf.Tensor2D;
    });
  }
}
