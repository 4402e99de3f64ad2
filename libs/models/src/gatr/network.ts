/**
 * The GATr network (gatr-spec.md section 4): linear_in -> N pre-norm residual blocks -> linear_out, no
 * final norm. Everything runs on packed rows (batch * items, 16c + s) (see equi-linear.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { GeometricAttention, type AttentionVariant } from './attention.js';
import { EquiLinear } from './equi-linear.js';
import { GeometricMlp } from './mlp.js';
import { ParamFactory } from './params.js';
import { layerNorm } from './primitives.js';

export interface GatrNetConfig {
  /** input / hidden / output multivector channels */
  inMv: number;
  mvChannels: number;
  outMv: number;
  /** input / hidden / output scalar channels (0: none) */
  inS: number;
  sChannels: number;
  outS: number;
  blocks: number;
  heads: number;
  /** attention logits: 'sdp' (default) or 'distance' (see attention.ts) */
  attention?: AttentionVariant;
  /**
   * input channels [0, refMv) that make the join reference (default: all inMv); channels after them are
   * not part of the scene (gatr+approx's fixed learned inputs) and must not move the reference
   */
  refMv?: number;
}

export interface GatrOutput {
  /** (batch, items, outMv, 16) */
  mv: tf.Tensor4D;
  /** (batch, items, outS), or null when outS = 0 */
  s: tf.Tensor3D | null;
}

/** Pre-norm block: x += Attn(LN(x)); x += MLP(LN(x)), on both streams. */
export class GatrBlock {
  readonly attention: GeometricAttention;
  readonly mlp: GeometricMlp;

  constructor(params: ParamFactory, readonly c: number, readonly s: number, heads: number, attention: AttentionVariant = 'sdp') {
    this.attention = new GeometricAttention(params, c, s, heads, attention);
    this.mlp = new GeometricMlp(params, c, s);
  }

  get paramCount(): number {
    return this.attention.paramCount + this.mlp.paramCount;
  }

  get variables(): tf.Variable[] {
    return [...this.attention.variables, ...this.mlp.variables];
  }

  apply(x: tf.Tensor2D, batch: number, items: number, keyBias: tf.Tensor3D | null, ref14: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const h = tf.add(x, this.attention.apply(layerNorm(x, this.c, this.s), batch, items, keyBias)) as tf.Tensor2D;
      return tf.add(h, this.mlp.apply(layerNorm(h, this.c, this.s), batch, ref14)) as tf.Tensor2D;
    });
  }
}

export class GatrNet {
  readonly config: GatrNetConfig;
  readonly linearIn: EquiLinear;
  readonly blocks: GatrBlock[];
  readonly linearOut: EquiLinear;
  readonly variables: tf.Variable[];

  /** Either a seed (a fresh ParamFactory) or a shared factory (when embedding the net in a model). */
  constructor(config: GatrNetConfig, seedOrParams: number | ParamFactory) {
    for (const [k, v] of Object.entries(config)) {
      if (k === 'attention' || v === undefined) continue;
      if (!Number.isInteger(v) || v < 0) throw new Error(`GatrNet: ${k} must be a non-negative integer, got ${v}`);
    }
    for (const k of ['inMv', 'mvChannels', 'outMv', 'blocks', 'heads'] as const) {
      if (config[k] < 1) throw new Error(`GatrNet: ${k} must be >= 1, got ${config[k]}`);
    }
    this.config = config;
    const params = typeof seedOrParams === 'number' ? new ParamFactory(seedOrParams) : seedOrParams;
    const { inMv, mvChannels: c, outMv, inS, sChannels: s, outS, blocks, heads } = config;
    this.linearIn = new EquiLinear(params, { inMv, outMv: c, inS, outS: s });
    this.blocks = Array.from({ length: blocks }, () => new GatrBlock(params, c, s, heads, config.attention ?? 'sdp'));
    this.linearOut = new EquiLinear(params, { inMv: c, outMv, inS: s, outS });
    this.variables = [...this.linearIn.variables, ...this.blocks.flatMap((b) => b.variables), ...this.linearOut.variables];
  }

  get paramCount(): number {
    return this.linearIn.paramCount + this.blocks.reduce((a, b) => a + b.paramCount, 0) + this.linearOut.paramCount;
  }

  /**
   * mv: (batch, items, inMv, 16); s: (batch, items, inS) (null iff inS = 0); mask: (batch, items) with 1
   * for real items (padding items are ignored as attention keys and in the join reference), or null.
   */
  forward(mv: tf.Tensor, s: tf.Tensor | null, mask: tf.Tensor | null = null): GatrOutput {
    const { inMv, inS, mvChannels: c, sChannels, outMv, outS } = this.config;
    if (mv.rank !== 4 || mv.shape[2] !== inMv || mv.shape[3] !== 16) {
      throw new Error(`GatrNet.forward: mv must have shape (batch, items, ${inMv}, 16), got (${mv.shape.join(', ')})`);
    }
    const [batch, items] = mv.shape as [number, number];
    if (inS > 0 && (s === null || s.rank !== 3 || s.shape[0] !== batch || s.shape[1] !== items || s.shape[2] !== inS)) {
      throw new Error(`GatrNet.forward: s must have shape (${batch}, ${items}, ${inS}), got ${s ? `(${s.shape.join(', ')})` : 'null'}`);
    }
    if (mask !== null && (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== items)) {
      throw new Error(`GatrNet.forward: mask must have shape (${batch}, ${items}), got (${mask.shape.join(', ')})`);
    }
    const [outMvT, outST] = tf.tidy(() => {
      const rows = batch * items;
      // join reference: mean e123 component of the input multivectors over (real) items and channels
      const refMv = this.config.refMv ?? inMv;
      const e123 = tf.slice(mv, [0, 0, 0, 14], [batch, items, refMv, 1]).sum([2, 3]); // (batch, items)
      const ref14 = mask
        ? tf.div(tf.sum(tf.mul(e123, mask), 1), tf.mul(tf.maximum(tf.sum(mask, 1), 1), refMv))
        : tf.div(tf.sum(e123, 1), items * refMv);
      const keyBias = mask ? (tf.mul(tf.sub(1, mask), -1e9).reshape([batch, 1, items]) as tf.Tensor3D) : null;

      const mvFlat = mv.reshape([rows, 16 * inMv]) as tf.Tensor2D;
      let x = this.linearIn.apply(inS > 0 ? tf.concat([mvFlat, s!.reshape([rows, inS]) as tf.Tensor2D], 1) : mvFlat);
      const ref = ref14.reshape([batch, 1]) as tf.Tensor2D;
      for (const block of this.blocks) x = block.apply(x, batch, items, keyBias, ref);
      if (x.shape[1] !== 16 * c + sChannels) throw new Error('GatrNet: internal width mismatch');
      const y = this.linearOut.apply(x);
      const outMvT = tf.slice(y, [0, 0], [rows, 16 * outMv]).reshape([batch, items, outMv, 16]) as tf.Tensor4D;
      const outST = outS > 0 ? (tf.slice(y, [0, 16 * outMv], [rows, outS]).reshape([batch, items, outS]) as tf.Tensor3D) : null;
      return outST ? [outMvT, outST] : [outMvT];
    });
    return { mv: outMvT as tf.Tensor4D, s: (outST as tf.Tensor3D | undefined) ?? null };
  }
}
