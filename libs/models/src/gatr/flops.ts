/**
 * Parameter and compute accounting for GATr.
 *
 * Nominal (authors' convention, gatr-spec.md section 5): per token, forward + backward, the sum over
 * EquiLinear layers of 6 (pq + pb + aq + 256ab). Biases, layer norms, the bilinear contractions and the
 * attention score / value matMuls are NOT counted.
 *
 * Executed (this implementation): forward matMul FLOPs (2 m n k) times 3 for forward + backward, of
 *  - every EquiLinear's matMuls in its mode (equi-linear.ts): dense 2 (16a + p)(16b + q) per token, zeros
 *    included, or split 2 (256ab + [a, p] x [b, q]); the attention's two layers always run split;
 *  - the equivariant layer norm's mean inner product, 2 * 16c per token, twice per block;
 *  - the bilinear: the outer products (2c pairs x 256 multiplies) and the two table matMuls
 *    (2c pairs x 2 * 256 * 16) per token;
 *  - attention: per token 2 H Dqk items for the logits and 2 H D items for the values (D = 16 n_mv + n_s,
 *    Dqk = D, or D + 5 n_mv for the distance variant);
 * elementwise ops, softmax and the per-step weight materialisation (independent of the token count) are
 * not counted.
 */
import type { GatrDims, ModelSummary, OutputMode, TaskShapes } from '../api.js';
import { rigidOutputExecutedFlops } from '../flops.js';
import type { GatrNetConfig } from './network.js';
import {
  attentionSizes,
  equiLinearExecutedFlops,
  equiLinearNominalFlops,
  equiLinearParamCount,
  type AttentionVariant,
  type EquiLinearShape,
} from './sizes.js';

/** The EquiLinear layers of one block, in forward order. */
/** The attention's two layers always run split (their outputs / inputs are grouped per head). */
const ATTENTION_LAYERS = 2;

export function blockLinearShapes(c: number, s: number, heads: number): EquiLinearShape[] {
  const { headMv: m, headS: n } = attentionSizes(c, s, heads);
  return [
    { inMv: c, outMv: (heads + 2) * m, inS: s, outS: (heads + 2) * n }, // q (H heads) + shared k, v
    { inMv: heads * m, outMv: c, inS: heads * n, outS: s }, // attention output
    { inMv: c, outMv: 4 * c, inS: s, outS: 0 }, // bilinear projections L, R, JL, JR
    { inMv: 2 * c, outMv: 2 * c, inS: s, outS: 2 * s }, // bilinear output
    { inMv: 2 * c, outMv: c, inS: 2 * s, outS: s }, // MLP output
  ];
}

export function networkLinearShapes(cfg: GatrNetConfig): EquiLinearShape[] {
  const { inMv, mvChannels: c, outMv, inS, sChannels: s, outS, blocks, heads } = cfg;
  const block = blockLinearShapes(c, s, heads);
  return [
    { inMv, outMv: c, inS, outS: s },
    ...Array.from({ length: blocks }, () => block).flat(),
    { inMv: c, outMv, inS: s, outS },
  ];
}

/** Parameters of one block: its EquiLinears plus the attention's H n_mv log-weights. */
export function gatrBlockParamCount(c: number, s: number, heads: number): number {
  const { headMv } = attentionSizes(c, s, heads);
  return blockLinearShapes(c, s, heads).reduce((a, l) => a + equiLinearParamCount(l), 0) + heads * headMv;
}

export function gatrParamCount(cfg: GatrNetConfig): number {
  const { headMv } = attentionSizes(cfg.mvChannels, cfg.sChannels, cfg.heads);
  return networkLinearShapes(cfg).reduce((a, l) => a + equiLinearParamCount(l), 0) + cfg.blocks * cfg.heads * headMv;
}

export interface GatrFlops {
  nominalPerToken: number;
  executedPerToken: number;
}

/** FLOPs per token, forward + backward, for sequences of `items` tokens (attention depends on it). */
export function gatrFlopsPerToken(cfg: GatrNetConfig, items: number): GatrFlops {
  const shapes = networkLinearShapes(cfg);
  const nominalPerToken = shapes.reduce((a, l) => a + equiLinearNominalFlops(l), 0);
  const { mvChannels: c, sChannels: s, heads, blocks } = cfg;
  const { headMv: m, headS: n } = attentionSizes(c, s, heads);
  const D = 16 * m + n;
  const layerNorms = 2 * (2 * 16 * c);
  const bilinear = 2 * c * 256 + 2 * c * 2 * 256 * 16;
  const Dqk = D + (cfg.attention === 'distance' ? 5 * m : 0);
  const attention = 2 * heads * Dqk * items + 2 * heads * D * items;
  const perBlockForward = layerNorms + bilinear + attention;
  const block = blockLinearShapes(c, s, heads);
  const blockLinear = block.reduce((a, l, i) => a + equiLinearExecutedFlops(l, i < ATTENTION_LAYERS ? 'split' : undefined), 0);
  const ends = [shapes[0]!, shapes[shapes.length - 1]!].reduce((a, l) => a + equiLinearExecutedFlops(l), 0);
  const executedPerToken = ends + blocks * (blockLinear + 3 * perBlockForward);
  return { nominalPerToken, executedPerToken };
}

/** What the accounting of a GATr model depends on besides its dims (a subset of GatrModelOptions). */
export interface GatrAccountingOptions {
  /** overrides dims.reflections; 'symmetrize' (default) runs every sample twice, and counts both */
  reflections?: 'symmetrize' | 'ignore';
  /** overrides dims.attention */
  attention?: AttentionVariant;
  /** ablation only: 2V extra hand-made invariant scalars (rigid-body-model.ts GatrModelOptions) */
  handMadeInvariants?: boolean;
}

/** Multivector channels of the embedding for V vertex slots. */
export const gatrInputChannels = (maxVerts: number): number => 2 * maxVerts + 2;
/** Auxiliary scalars of the embedding: the body features (the same inputs every family gets). */
export const gatrInputScalars = (shapes: TaskShapes): number => shapes.bodyFeatureCount;
/** Output multivector channels: 2 for 'rigid' (translation, rotation), V for 'vertex'. */
export const gatrOutputChannels = (shapes: TaskShapes, output: OutputMode = 'rigid'): number => (output === 'vertex' ? shapes.maxVerts : 2);

/** gatr+approx: the number of learned fixed input channels (dims.approxInputs; 0 when absent); throws when not an integer in [0, 64]. */
export function approxInputCount(dims: GatrDims): number {
  const k = dims.approxInputs ?? 0;
  if (!(Number.isInteger(k) && k >= 0 && k <= 64)) throw new Error(`GATr dims.approxInputs must be an integer in [0, 64] (got ${JSON.stringify(dims.approxInputs)})`);
  return k;
}

/**
 * The network's shape for these dims. gatr+approx's fixed inputs are extra input channels after the scene's
 * (refMv: the join reference is computed from the scene channels only).
 */
export function gatrNetConfig(dims: GatrDims, shapes: TaskShapes, attention: AttentionVariant = dims.attention ?? 'sdp', handMadeInvariants = false): GatrNetConfig {
  const approx = approxInputCount(dims);
  return {
    attention,
    inMv: gatrInputChannels(shapes.maxVerts) + approx,
    ...(approx > 0 ? { refMv: gatrInputChannels(shapes.maxVerts) } : {}),
    mvChannels: dims.mvChannels,
    outMv: gatrOutputChannels(shapes, dims.output),
    inS: gatrInputScalars(shapes) + (handMadeInvariants ? 2 * shapes.maxVerts : 0),
    sChannels: dims.sChannels,
    outS: 0,
    blocks: dims.blocks,
    heads: dims.heads,
  };
}

/**
 * Parameters and FLOPs per training sample (tokens = shapes.maxBodies, doubled when symmetrizing). gatr+approx:
 * its fixed inputs add 16 parameters each, and their first-layer weights and FLOPs are counted with the input
 * channels (gatrNetConfig).
 */
export function summarizeGatr(dims: GatrDims, shapes: TaskShapes, options: GatrAccountingOptions = {}): ModelSummary {
  const cfg = gatrNetConfig(dims, shapes, options.attention ?? dims.attention, options.handMadeInvariants);
  const passes = (options.reflections ?? dims.reflections ?? 'symmetrize') === 'symmetrize' ? 2 : 1;
  const f = gatrFlopsPerToken(cfg, shapes.maxBodies);
  const rigid = (dims.output ?? 'rigid') === 'rigid' ? rigidOutputExecutedFlops(shapes).total : 0;
  return {
    dims,
    paramCount: gatrParamCount(cfg) + 16 * approxInputCount(dims),
    nominalFlopsPerSample: passes * shapes.maxBodies * f.nominalPerToken,
    executedFlopsPerSample: passes * shapes.maxBodies * f.executedPerToken + rigid,
  };
}

