/**
 * The weight-space symmetry: permuting the neurons of each hidden layer of an INR (rows of W_l and b_l, columns of
 * W_{l+1}, with one permutation per hidden layer) leaves its function unchanged. The group is the product of the
 * symmetric groups of the hidden layers; input and output neurons are never permuted. Targets are invariant.
 *
 * A `NeuronPermutation` holds one Int32Array per hidden layer: new neuron i of hidden layer k is old neuron perm[k][i].
 */
import { gatherWeightSpaceExamples } from './examples.js';
import type { WeightSpaceExamples } from './generate.js';
import { inrLayout, type InrLayout } from './inr.js';
import { KeyedRng } from './rng.js';

export type NeuronPermutation = Int32Array[];

function isIdentity(p: Int32Array): boolean {
  for (let i = 0; i < p.length; i++) if (p[i] !== i) return false;
  return true;
}

/** A uniformly random element of S_h1 x ... x S_hK from the keyed stream (seed, index); `nonIdentity` redraws any layer's identity. */
export function randomNeuronPermutation(hidden: readonly number[], seed: number, index: number, opts: { nonIdentity?: boolean } = {}): NeuronPermutation {
  const rng = new KeyedRng('equiscale/weight-space/permutation', seed, index);
  return hidden.map((h) => {
    let p = rng.permutation(h);
    while (opts.nonIdentity && h > 1 && isIdentity(p)) p = rng.permutation(h);
    return p;
  });
}

export function identityPermutation(hidden: readonly number[]): NeuronPermutation {
  return hidden.map((h) => Int32Array.from({ length: h }, (_, i) => i));
}

function checkPermutation(perm: NeuronPermutation, layout: InrLayout): void {
  const hidden = layout.sizes.slice(1, -1);
  if (perm.length !== hidden.length) throw new Error(`permutation has ${perm.length} layers, the INR has ${hidden.length} hidden layers`);
  perm.forEach((p, k) => {
    const seen = new Uint8Array(hidden[k]);
    if (p.length !== hidden[k]) throw new Error(`permutation of hidden layer ${k} has length ${p.length}, expected ${hidden[k]}`);
    for (const i of p) {
      if (!(i >= 0 && i < hidden[k]) || seen[i]) throw new Error(`permutation of hidden layer ${k} is not a permutation of 0..${hidden[k] - 1}`);
      seen[i] = 1;
    }
  });
}

/** The flat parameters of one INR with its hidden neurons permuted (reads src at srcOffset, writes dst at dstOffset). */
export function permuteInrParams(
  src: ArrayLike<number>,
  layout: InrLayout,
  perm: NeuronPermutation,
  dst: { [i: number]: number } = new Float64Array(layout.paramCount),
  srcOffset = 0,
  dstOffset = 0,
): { [i: number]: number } {
  checkPermutation(perm, layout);
  const { sizes, wOffset, bOffset } = layout;
  const L = sizes.length - 1;
  // index map of layer position k (0 = input, L = output): identity outside the hidden layers
  const at = (k: number, i: number) => (k === 0 || k === L ? i : perm[k - 1][i]);
  for (let l = 0; l < L; l++) {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    for (let i = 0; i < nOut; i++) {
      const si = at(l + 1, i);
      dst[dstOffset + bOffset[l] + i] = src[srcOffset + bOffset[l] + si];
      for (let j = 0; j < nIn; j++) dst[dstOffset + wOffset[l] + i * nIn + j] = src[srcOffset + wOffset[l] + si * nIn + at(l, j)];
    }
  }
  return dst;
}

/** A copy of the batch with example n's INR permuted by perms[n] (or every INR by one permutation); targets unchanged. */
export function permuteExamples(ex: WeightSpaceExamples, perms: NeuronPermutation | readonly NeuronPermutation[]): WeightSpaceExamples {
  const layout = inrLayout(ex.sizes.slice(1, -1));
  const single = perms.length === 0 || perms[0] instanceof Int32Array;
  if (!single && perms.length !== ex.count) throw new Error(`permuteExamples: ${perms.length} permutations for ${ex.count} examples`);
  const out = gatherWeightSpaceExamples(ex, Int32Array.from({ length: ex.count }, (_, i) => i));
  for (let n = 0; n < ex.count; n++) {
    const p = (single ? perms : (perms as readonly NeuronPermutation[])[n]) as NeuronPermutation;
    permuteInrParams(ex.params, layout, p, out.params, n * ex.paramCount, n * ex.paramCount);
  }
  return out;
}

/** Augmentation: one random permutation per example, keyed by (seed, step, example position in the batch). */
export function augmentByPermutation(ex: WeightSpaceExamples, seed: number, step: number): WeightSpaceExamples {
  const hidden = ex.sizes.slice(1, -1);
  const perms = Array.from({ length: ex.count }, (_, n) => randomNeuronPermutation(hidden, seed, step * 65536 + n));
  return permuteExamples(ex, perms);
}
