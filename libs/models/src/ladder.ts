/**
 * Size ladders for the sweep planner, and summarize(): parameter count and FLOPs per training sample of a
 * family + dims on a task, as pure arithmetic (no tensors are created).
 *
 * Transformer rungs grow width by ~sqrt(2) and depth slowly (mlpRatio 4, heads dividing width); GATr rungs
 * grow multivector channels c with s = 8c auxiliary scalars (the n-body config is c = 16, s = 128).
 * On the benchmark's shapes the rungs span ~1e3 to ~1e7 parameters.
 */
import type { FamilyName, ModelDims, ModelSummary, TaskShapes, TransformerDims } from './api.js';
import { summarizeTransformer } from './flops.js';
import { checkTransformerDims } from './transformer/layout.js';
import { summarizeGatr } from './gatr/flops.js';
import { summarizeLps } from './symmetry-accounting.js';

const TRANSFORMER_RUNGS: [width: number, depth: number, heads: number][] = [
  [4, 1, 1], [8, 1, 1], [12, 1, 2], [16, 2, 2], [24, 2, 2], [32, 2, 4], [48, 3, 4], [64, 3, 4], [96, 4, 4],
  [128, 4, 8], [192, 5, 8], [256, 6, 8], [384, 8, 8], [512, 10, 8], [768, 12, 12],
];

const GATR_RUNGS: [mv: number, blocks: number, heads: number][] = [
  [1, 1, 1], [2, 1, 2], [2, 2, 2], [4, 2, 4], [4, 3, 4], [6, 3, 4], [8, 4, 8], [12, 4, 8],
  [16, 4, 8], [16, 8, 8], [24, 8, 8], [32, 8, 8], [32, 12, 8], [48, 12, 8],
];

export function ladderLength(family: FamilyName): number {
  return family === 'transformer' ? TRANSFORMER_RUNGS.length : GATR_RUNGS.length;
}

/** The dims of rung `index` (0 = smallest) of a family's size ladder. */
export function sizeLadder(family: FamilyName, index: number): ModelDims {
  const n = family === 'transformer' ? TRANSFORMER_RUNGS.length : family === 'gatr' ? GATR_RUNGS.length : -1;
  if (n < 0) throw new Error(`family must be "transformer" or "gatr" (got "${String(family)}")`);
  if (!(Number.isInteger(index) && index >= 0 && index < n)) {
    throw new Error(`sizeLadder(${family}): index must be an integer in [0, ${n - 1}] (got ${index})`);
  }
  if (family === 'transformer') {
    const [width, depth, heads] = TRANSFORMER_RUNGS[index];
    return { family, width, depth, heads, mlpRatio: 4 };
  }
  const [mvChannels, blocks, heads] = GATR_RUNGS[index];
  return { family, mvChannels, sChannels: 8 * mvChannels, blocks, heads };
}

/** Every rung of a family's ladder with its summary on these task shapes. */
export function ladder(family: FamilyName, shapes: TaskShapes): ModelSummary[] {
  const out: ModelSummary[] = [];
  for (let i = 0; i < ladderLength(family); i++) out.push(summarize(sizeLadder(family, i), shapes));
  return out;
}

/** The rung whose parameter count is closest to targetParams in log scale. */
export function dimsForParams(family: FamilyName, targetParams: number, shapes: TaskShapes): ModelDims {
  if (!(targetParams > 0 && Number.isFinite(targetParams))) {
    throw new Error(`dimsForParams: targetParams must be a finite number > 0 (got ${targetParams})`);
  }
  let best: ModelDims | null = null;
  let bestErr = Infinity;
  for (let i = 0; i < ladderLength(family); i++) {
    const dims = sizeLadder(family, i);
    const err = Math.abs(Math.log(summarize(dims, shapes).paramCount / targetParams));
    if (err < bestErr) {
      bestErr = err;
      best = dims;
    }
  }
  return best!;
}

function checkShapes(s: TaskShapes): void {
  for (const k of ['maxBodies', 'maxVerts', 'bodyFeatureCount'] as const) {
    if (!(Number.isInteger(s[k]) && s[k] >= 1)) throw new Error(`shapes.${k} must be a positive integer (got ${s[k]})`);
  }
}

/** Parameter count, nominal and executed FLOPs per training sample. Pure arithmetic. */
export function summarize(dims: ModelDims, shapes: TaskShapes): ModelSummary {
  checkShapes(shapes);
  if (dims.family === 'transformer') {
    checkTransformerDims(dims as TransformerDims);
    return dims.lps ? summarizeLps(dims, shapes) : summarizeTransformer(dims, shapes);
  }
  if (dims.family === 'gatr') return summarizeGatr(dims, shapes);
  throw new Error(`dims.family must be "transformer" or "gatr" (got "${String((dims as { family: unknown }).family)}")`);
}
