/**
 * The parameter layout of the baseline transformer: one list, used for creating variables, counting
 * parameters, nominal FLOPs and checkpoint shape checks.
 *
 * Shapes (T = B tokens per example, d = width, H = heads, dh = d / H, h = round(mlpRatio * d),
 * in = 6V + F + 7, out = 6 for the 'rigid' output (translation, rotation vector per body) or 3V for 'vertex'):
 *   embed.w (in, d), embed.b (d)
 *   per block i: qkv.w (d, d + 2dh), qkv.b (d + 2dh)  [multi-query: one K and one V head]
 *                attn_out.w (d, d), attn_out.b (d); mlp1.w (d, h), mlp1.b (h); mlp2.w (h, d), mlp2.b (d)
 *   head.w (d, out), head.b (out)
 * The layer norms have no gain or bias (each is followed by a linear layer, which absorbs them).
 */
import type { TaskShapes, TransformerDims } from '../api.js';
import { tokenFeatureDim } from './features.js';

export type ParamInit =
  | { kind: 'normal'; std: number }
  | { kind: 'zeros' }
  | { kind: 'ones' };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
}

export function checkTransformerDims(d: TransformerDims): void {
  const ok = (x: number) => Number.isInteger(x) && x >= 1;
  if (!ok(d.width)) throw new Error(`transformer dims.width must be a positive integer (got ${d.width})`);
  if (!ok(d.depth)) throw new Error(`transformer dims.depth must be a positive integer (got ${d.depth})`);
  if (!ok(d.heads) || d.width % d.heads !== 0) {
    throw new Error(`transformer dims.heads must be a positive integer dividing width=${d.width} (got ${d.heads})`);
  }
  if (!(d.mlpRatio > 0) || !ok(Math.round(d.mlpRatio * d.width))) {
    throw new Error(`transformer dims.mlpRatio must be > 0 with round(mlpRatio*width) >= 1 (got ${d.mlpRatio})`);
  }
  if (d.output !== undefined && d.output !== 'rigid' && d.output !== 'vertex') {
    throw new Error(`transformer dims.output must be "rigid" or "vertex" (got ${JSON.stringify(d.output)})`);
  }
}

export function mlpHidden(d: TransformerDims): number {
  return Math.round(d.mlpRatio * d.width);
}

export function transformerLayout(d: TransformerDims, s: TaskShapes): ParamSpec[] {
  checkTransformerDims(d);
  const w = d.width;
  const dh = w / d.heads;
  const h = mlpHidden(d);
  const inDim = tokenFeatureDim(s);
  const out = (d.output ?? 'rigid') === 'vertex' ? 3 * s.maxVerts : 6;
  const resid = 1 / Math.sqrt(2 * d.depth); // residual-branch output projections scaled down with depth
  const normal = (fanIn: number, scale = 1): ParamInit => ({ kind: 'normal', std: scale / Math.sqrt(fanIn) });
  const specs: ParamSpec[] = [
    { name: 'embed.w', shape: [inDim, w], init: normal(inDim) },
    { name: 'embed.b', shape: [w], init: { kind: 'zeros' } },
  ];
  for (let i = 0; i < d.depth; i++) {
    const p = `block${i}.`;
    specs.push(
      { name: p + 'qkv.w', shape: [w, w + 2 * dh], init: normal(w) },
      { name: p + 'qkv.b', shape: [w + 2 * dh], init: { kind: 'zeros' } },
      { name: p + 'attn_out.w', shape: [w, w], init: normal(w, resid) },
      { name: p + 'attn_out.b', shape: [w], init: { kind: 'zeros' } },
      { name: p + 'mlp1.w', shape: [w, h], init: normal(w) },
      { name: p + 'mlp1.b', shape: [h], init: { kind: 'zeros' } },
      { name: p + 'mlp2.w', shape: [h, w], init: normal(h, resid) },
      { name: p + 'mlp2.b', shape: [w], init: { kind: 'zeros' } },
    );
  }
  specs.push(
    // small init: the network starts close to "no displacement" (prediction = curr)
    { name: 'head.w', shape: [w, out], init: normal(w, 0.01) },
    { name: 'head.b', shape: [out], init: { kind: 'zeros' } },
  );
  return specs;
}

const size = (shape: number[]) => shape.reduce((p, x) => p * x, 1);

export function transformerParamCount(d: TransformerDims, s: TaskShapes): number {
  return transformerLayout(d, s).reduce((acc, p) => acc + size(p.shape), 0);
}

/** FLOPs-relevant weights: every weight matrix (rank-2 parameter); biases and norm gains excluded. */
export function transformerMatrixWeights(d: TransformerDims, s: TaskShapes): number {
  return transformerLayout(d, s)
    .filter((p) => p.shape.length === 2)
    .reduce((acc, p) => acc + size(p.shape), 0);
}
