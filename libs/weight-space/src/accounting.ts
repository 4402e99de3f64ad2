/**
 * Families, size ladders, parameter and FLOP accounting of the weight-space benchmark: pure arithmetic, no
 * TensorFlow.js (`@equiscale/weight-space/accounting`). The tfjs networks (src/nets) build exactly these
 * variables; a test checks every count against the built model.
 *
 * FLOP convention: nominal = executed = 6 FLOPs per multiply-accumulate of every weight matrix, counted once per
 * position it is applied to (forward 2, backward 4). For DWSNet a shared weight applied at every neuron or edge is
 * counted at every one of them. Bias adds, broadcasts, pooling means, activations and the optimizer are not counted.
 */
import type { FamilyInfo, ModelAccounting } from '@equiscale/benchmark';

export const WEIGHT_SPACE_FAMILIES = ['mlp', 'mlp+permute', 'dwsnet'] as const;
export type WeightSpaceFamily = (typeof WEIGHT_SPACE_FAMILIES)[number];

export const WEIGHT_SPACE_FAMILY_INFO: readonly FamilyInfo[] = [
  { name: 'mlp', symmetry: 'none', description: 'MLP on the flattened INR weights' },
  { name: 'mlp+permute', symmetry: 'augmentation', description: 'the same MLP, each training INR with its hidden neurons randomly permuted' },
  { name: 'dwsnet', symmetry: 'exact', description: 'DWSNet: permutation-equivariant linear layers between weight and bias spaces, invariant pooling readout' },
];

export interface MlpDims {
  arch: 'mlp';
  /** hidden width */
  width: number;
  /** hidden layers */
  depth: number;
}

export interface DwsDims {
  arch: 'dwsnet';
  /** channels of every weight-space feature */
  channels: number;
  /** equivariant layers */
  layers: number;
  /** hidden width of the invariant head */
  headWidth: number;
}

export type WeightSpaceDims = MlpDims | DwsDims;

/** What a model is built for: the INR architecture and the number of targets. */
export interface WeightSpaceShapes {
  /** [1, ...hidden, 1] */
  sizes: number[];
  targetCount: number;
}

export const FLOP_CONVENTION =
  '6 FLOPs (fwd 2 + bwd 4) per multiply-accumulate of every weight matrix, once per position it is applied to; nominal = executed; bias adds, pooling, activations not counted';

const MLP_RUNGS: [width: number, depth: number][] = [[8, 1], [16, 2], [32, 2], [64, 2], [128, 2], [192, 3], [256, 3], [384, 3], [512, 4], [768, 4], [1024, 4]];
const DWS_RUNGS: [channels: number, layers: number, head: number][] = [
  [2, 2, 8], [4, 2, 16], [6, 2, 24], [8, 3, 32], [12, 3, 48], [16, 3, 64], [24, 4, 96], [32, 4, 128], [48, 4, 192], [64, 5, 256],
];

export function familyArch(family: string): 'mlp' | 'dwsnet' {
  if (family === 'mlp' || family === 'mlp+permute') return 'mlp';
  if (family === 'dwsnet') return 'dwsnet';
  throw new Error(`family must be one of ${WEIGHT_SPACE_FAMILIES.join(', ')} (got ${JSON.stringify(family)})`);
}

export function weightSpaceLadderLength(family: string): number {
  return familyArch(family) === 'mlp' ? MLP_RUNGS.length : DWS_RUNGS.length;
}

export function weightSpaceSizeLadder(family: string, index: number): WeightSpaceDims {
  const n = weightSpaceLadderLength(family);
  if (!(Number.isInteger(index) && index >= 0 && index < n)) throw new Error(`sizeLadder(${family}): index must be an integer in [0, ${n - 1}] (got ${index})`);
  if (familyArch(family) === 'mlp') {
    const [width, depth] = MLP_RUNGS[index];
    return { arch: 'mlp', width, depth };
  }
  const [channels, layers, headWidth] = DWS_RUNGS[index];
  return { arch: 'dwsnet', channels, layers, headWidth };
}

function checkShapes(s: WeightSpaceShapes): void {
  if (!Array.isArray(s.sizes) || s.sizes.length < 3 || !s.sizes.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new Error(`shapes.sizes must be [1, ...hidden widths, 1] with at least one hidden layer (got ${JSON.stringify(s.sizes)})`);
  }
  if (!(Number.isInteger(s.targetCount) && s.targetCount >= 1)) throw new Error(`shapes.targetCount must be a positive integer (got ${s.targetCount})`);
}

export function inrParamCount(sizes: readonly number[]): number {
  let p = 0;
  for (let l = 0; l + 1 < sizes.length; l++) p += sizes[l + 1] * (sizes[l] + 1);
  return p;
}

/** Dense layers [in, out] of the MLP family, in variable order. */
export function mlpLayers(d: MlpDims, s: WeightSpaceShapes): [number, number][] {
  const widths = [inrParamCount(s.sizes), ...Array<number>(d.depth).fill(d.width), s.targetCount];
  return widths.slice(1).map((w, i) => [widths[i], w]);
}

/**
 * Raw input channels of DWSNet's objects: hidden layer k's neurons (N_k: incoming weights from the input (k = 1),
 * bias, outgoing weights to the output (k = K)), the edges between hidden layers k-1 and k (E_k, k = 2..K: one
 * weight each), and the global object G (the output bias).
 */
export function dwsRawChannels(sizes: readonly number[]): { n: number[]; e: number[]; g: number } {
  const K = sizes.length - 2;
  const dIn = sizes[0];
  const dOut = sizes[K + 1];
  const n = Array.from({ length: K }, (_, k) => (k === 0 ? dIn : 0) + 1 + (k === K - 1 ? dOut : 0));
  const e = Array.from({ length: K }, (_, k) => (k === 0 ? 0 : 1)); // e[0] unused (no edges into hidden layer 1 between hidden layers)
  return { n, e, g: dOut };
}

/**
 * One equivariant layer's weight matrices [rows, cols] in variable order, and its multiply-accumulates per sample.
 * Per hidden layer k: F_k = [N_k, rowmean E_k (k >= 2), colmean E_{k+1} (k < K)] (features indexed by layer k's
 * neurons); Fg = [G, mean N_1..N_K, mean E_2..E_K]. Outputs: N_k' = F_k A + Fg B + b; E_k' = E_k A + bcast_rows(F_k B)
 * + bcast_cols(F_{k-1} C) + Fg D + b; G' = Fg A + b.
 */
export function dwsLayerMatrices(
  sizes: readonly number[],
  cin: { n: number[]; e: number[]; g: number },
  cout: number,
): { name: string; shape: [number, number]; macs: number }[] {
  const K = sizes.length - 2;
  const h = (k: number) => sizes[k + 1]; // width of hidden layer k (0-based)
  const fk = (k: number) => cin.n[k] + (k >= 1 ? cin.e[k] : 0) + (k + 1 < K ? cin.e[k + 1] : 0);
  const fg = cin.g + cin.n.reduce((a, x) => a + x, 0) + cin.e.slice(1).reduce((a, x) => a + x, 0);
  const out: { name: string; shape: [number, number]; macs: number }[] = [];
  for (let k = 0; k < K; k++) {
    out.push({ name: `n${k}.local`, shape: [fk(k), cout], macs: h(k) * fk(k) * cout });
    out.push({ name: `n${k}.global`, shape: [fg, cout], macs: fg * cout });
  }
  for (let k = 1; k < K; k++) {
    out.push({ name: `e${k}.self`, shape: [cin.e[k], cout], macs: h(k) * h(k - 1) * cin.e[k] * cout });
    out.push({ name: `e${k}.rows`, shape: [fk(k), cout], macs: h(k) * fk(k) * cout });
    out.push({ name: `e${k}.cols`, shape: [fk(k - 1), cout], macs: h(k - 1) * fk(k - 1) * cout });
    out.push({ name: `e${k}.global`, shape: [fg, cout], macs: fg * cout });
  }
  out.push({ name: 'g.global', shape: [fg, cout], macs: fg * cout });
  return out;
}

/** Bias vectors of one equivariant layer: one per output object (N_k, E_k, G), each of cout. */
export function dwsLayerBiasCount(sizes: readonly number[], cout: number): number {
  const K = sizes.length - 2;
  return (K + (K - 1) + 1) * cout;
}

/** Width of DWSNet's invariant readout: mean of every N_k and E_k, and G. */
export function dwsReadoutWidth(sizes: readonly number[], channels: number): number {
  const K = sizes.length - 2;
  return (K + (K - 1) + 1) * channels;
}

export function dwsChannelsOf(sizes: readonly number[], c: number): { n: number[]; e: number[]; g: number } {
  const K = sizes.length - 2;
  return { n: Array<number>(K).fill(c), e: Array.from({ length: K }, (_, k) => (k === 0 ? 0 : c)), g: c };
}

export function summarizeWeightSpace(family: string, dims: WeightSpaceDims, shapes: WeightSpaceShapes): ModelAccounting<WeightSpaceDims> {
  checkShapes(shapes);
  const arch = familyArch(family);
  if (!dims || dims.arch !== arch) throw new Error(`dims.arch must be "${arch}" for family ${family} (got ${JSON.stringify(dims?.arch)})`);
  const pos = (x: number, f: string) => {
    if (!(Number.isInteger(x) && x >= 1)) throw new Error(`dims.${f} must be a positive integer (got ${x})`);
  };
  let params = 0;
  let macs = 0;
  if (dims.arch === 'mlp') {
    pos(dims.width, 'width');
    pos(dims.depth, 'depth');
    for (const [a, b] of mlpLayers(dims, shapes)) {
      params += a * b + b;
      macs += a * b;
    }
  } else {
    pos(dims.channels, 'channels');
    pos(dims.layers, 'layers');
    pos(dims.headWidth, 'headWidth');
    let cin = dwsRawChannels(shapes.sizes);
    for (let l = 0; l < dims.layers; l++) {
      for (const m of dwsLayerMatrices(shapes.sizes, cin, dims.channels)) {
        params += m.shape[0] * m.shape[1];
        macs += m.macs;
      }
      params += dwsLayerBiasCount(shapes.sizes, dims.channels);
      cin = dwsChannelsOf(shapes.sizes, dims.channels);
    }
    const r = dwsReadoutWidth(shapes.sizes, dims.channels);
    params += r * dims.headWidth + dims.headWidth + dims.headWidth * shapes.targetCount + shapes.targetCount;
    macs += r * dims.headWidth + dims.headWidth * shapes.targetCount;
  }
  return { dims, paramCount: params, nominalFlopsPerSample: 6 * macs, executedFlopsPerSample: 6 * macs };
}

export function weightSpaceDimsForParams(family: string, targetParams: number, shapes: WeightSpaceShapes): WeightSpaceDims {
  if (!(targetParams > 0 && Number.isFinite(targetParams))) throw new Error(`dimsForParams: targetParams must be a finite number > 0 (got ${targetParams})`);
  let best = weightSpaceSizeLadder(family, 0);
  let bestErr = Infinity;
  for (let i = 0; i < weightSpaceLadderLength(family); i++) {
    const d = weightSpaceSizeLadder(family, i);
    const err = Math.abs(Math.log(summarizeWeightSpace(family, d, shapes).paramCount / targetParams));
    if (err < bestErr) {
      bestErr = err;
      best = d;
    }
  }
  return best;
}
