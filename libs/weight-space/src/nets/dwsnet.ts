/**
 * The `dwsnet` family: DWSNet (Navon et al. 2023) for INRs 1 -> h_1 -> ... -> h_K -> 1. The weight space is split
 * into objects indexed by hidden neurons, each with channels:
 *   N_k (B, h_k, c): per neuron of hidden layer k — its bias, plus its input weight (k = 1) and output weight (k = K);
 *   E_k (B, h_k, h_{k-1}, c), k = 2..K: the weights between hidden layers k-1 and k;
 *   G (B, c): the output bias (touches no hidden neuron).
 * An equivariant layer (the complete basis for S_h1 x ... x S_hK, with the fixed input/output neurons as channels;
 * see accounting.ts `dwsLayerMatrices`) maps these to c channels each:
 *   F_k = [N_k, rowmean E_k, colmean E_{k+1}] (per neuron of layer k), Fg = [G, mean N_k ..., mean E_k ...];
 *   N_k' = F_k A + Fg B + b;  E_k' = E_k A + rows(F_k B) + cols(F_{k-1} C) + Fg D + b;  G' = Fg A + b;
 * ReLU after each layer; readout: mean of every N_k and E_k over its neurons, and G, then a 2-layer MLP head.
 * Every term is either pointwise in a neuron index shared by input and output, or a mean over a neuron index, so the
 * network is invariant to permuting every hidden layer's neurons.
 */
import * as tf from '@tensorflow/tfjs';
import { linear } from '@equiscale/models';
import {
  dwsChannelsOf,
  dwsLayerMatrices,
  dwsRawChannels,
  dwsReadoutWidth,
  summarizeWeightSpace,
  type DwsDims,
  type WeightSpaceShapes,
} from '../accounting.js';
import type { WeightSpaceExamples } from '../generate.js';
import { inrLayout } from '../inr.js';
import { standardizedParams, type InputStats } from './features.js';
import { Init, type WeightSpaceNet } from './net.js';

interface Objects {
  n: tf.Tensor3D[];
  /** e[0] is null (no edges before hidden layer 1) */
  e: (tf.Tensor4D | null)[];
  g: tf.Tensor2D;
}

/** Splits standardized flat INR parameters (N, P) into DWSNet's objects (TypeScript, no gradient needed). */
export function weightSpaceObjects(x: Float32Array, count: number, sizes: readonly number[]): { n: Float32Array[]; e: (Float32Array | null)[]; g: Float32Array } {
  const K = sizes.length - 2;
  const lay = inrLayout(sizes.slice(1, -1));
  const P = lay.paramCount;
  const raw = dwsRawChannels(sizes);
  const n = Array.from({ length: K }, (_, k) => new Float32Array(count * sizes[k + 1] * raw.n[k]));
  const e = Array.from({ length: K }, (_, k) => (k === 0 ? null : new Float32Array(count * sizes[k + 1] * sizes[k])));
  const g = new Float32Array(count * sizes[K + 1]);
  const dIn = sizes[0];
  const dOut = sizes[K + 1];
  for (let s = 0; s < count; s++) {
    const base = s * P;
    for (let k = 0; k < K; k++) {
      const h = sizes[k + 1];
      const c = raw.n[k];
      for (let i = 0; i < h; i++) {
        const o = (s * h + i) * c;
        let ch = 0;
        if (k === 0) for (let j = 0; j < dIn; j++) n[k][o + ch++] = x[base + lay.wOffset[0] + i * dIn + j];
        n[k][o + ch++] = x[base + lay.bOffset[k] + i];
        if (k === K - 1) for (let q = 0; q < dOut; q++) n[k][o + ch++] = x[base + lay.wOffset[K] + q * h + i];
      }
      const ek = e[k];
      if (ek) ek.set(x.subarray(base + lay.wOffset[k], base + lay.wOffset[k] + sizes[k + 1] * sizes[k]), s * sizes[k + 1] * sizes[k]);
    }
    for (let q = 0; q < dOut; q++) g[s * dOut + q] = x[base + lay.bOffset[K] + q];
  }
  return { n, e, g };
}

interface Layer {
  w: Map<string, tf.Variable>;
  nBias: tf.Variable[];
  eBias: (tf.Variable | null)[];
  gBias: tf.Variable;
}

export function createDwsNet(family: string, dims: DwsDims, shapes: WeightSpaceShapes, seed: number, stats: InputStats): WeightSpaceNet {
  const summary = summarizeWeightSpace(family, dims, shapes);
  const { sizes } = shapes;
  const K = sizes.length - 2;
  const h = (k: number) => sizes[k + 1];
  const c = dims.channels;
  const init = new Init(seed, family);
  const layers: Layer[] = [];
  let cin = dwsRawChannels(sizes);
  for (let l = 0; l < dims.layers; l++) {
    const mats = dwsLayerMatrices(sizes, cin, c);
    // fan-in of each output object = rows of all its matrices
    const fan = new Map<string, number>();
    for (const m of mats) {
      const obj = m.name.split('.')[0];
      fan.set(obj, (fan.get(obj) ?? 0) + m.shape[0]);
    }
    const w = new Map<string, tf.Variable>();
    for (const m of mats) w.set(m.name, init.uniform(m.shape, Math.sqrt(6 / fan.get(m.name.split('.')[0])!), `dws${l}_${m.name}`));
    layers.push({
      w,
      nBias: Array.from({ length: K }, (_, k) => init.zeros([c], `dws${l}_n${k}_b`)),
      eBias: Array.from({ length: K }, (_, k) => (k === 0 ? null : init.zeros([c], `dws${l}_e${k}_b`))),
      gBias: init.zeros([c], `dws${l}_g_b`),
    });
    cin = dwsChannelsOf(sizes, c);
  }
  const R = dwsReadoutWidth(sizes, c);
  const T = shapes.targetCount;
  const head1 = { w: init.uniform([R, dims.headWidth], Math.sqrt(6 / R), 'dws_head_w1'), b: init.zeros([dims.headWidth], 'dws_head_b1') };
  const head2 = { w: init.uniform([dims.headWidth, T], 0.1 * Math.sqrt(3 / dims.headWidth), 'dws_head_w2'), b: init.zeros([T], 'dws_head_b2') };

  // Constant helpers (no gradient): broadcasting and pooling as matrix products, because wasm's broadcasting Add
  // and Concat kernels are 10-50x slower than its matmul on these shapes (profiled: bench/README numbers).
  const tileC = Array.from({ length: K }, (_, k) => {
    // (c, h_k * c): [I_c I_c ... I_c], row-broadcast of a per-row vector over h_k columns
    const m = new Float32Array(c * h(k) * c);
    for (let j = 0; j < h(k); j++) for (let q = 0; q < c; q++) m[q * h(k) * c + j * c + q] = 1;
    return tf.keep(tf.tensor2d(m, [c, h(k) * c]));
  });
  const meanC = Array.from({ length: K }, (_, k) => tf.keep(tf.div(tf.transpose(tileC[k]), h(k)) as tf.Tensor2D)); // (h_k * c, c)
  const onesCol = Array.from({ length: K }, (_, k) => tf.keep(tf.ones([1, h(k), 1]) as tf.Tensor3D));
  const meanRow = Array.from({ length: K }, (_, k) => tf.keep(tf.fill([1, 1, h(k)], 1 / h(k)) as tf.Tensor3D));

  /** sum_p parts[p] @ w[rows of part p]: a product with the concatenation of the parts, without concatenating. */
  const splitMatMul = (parts: tf.Tensor2D[], w: tf.Tensor2D): tf.Tensor2D => {
    let row = 0;
    let acc: tf.Tensor2D | null = null;
    for (const p of parts) {
      const n = p.shape[1];
      const y = tf.matMul(p, tf.slice(w, [row, 0], [n, w.shape[1]]) as tf.Tensor2D) as tf.Tensor2D;
      acc = acc ? (tf.add(acc, y) as tf.Tensor2D) : y;
      row += n;
    }
    return acc!;
  };

  const layer = (L: Layer, x: Objects, B: number): Objects => {
    const W = (name: string) => L.w.get(name)! as tf.Tensor2D;
    // E_k as (B h_k, h_{k-1} c): rowmean (B h_k, c) and colmean (B h_{k-1}, c)
    const e2 = x.e.map((e, k) => (e ? (tf.reshape(e, [B * h(k), h(k - 1) * e.shape[3]]) as tf.Tensor2D) : null));
    const eRow = x.e.map((e, k) => (e ? (e.shape[3] === 1 ? tf.reshape(tf.mean(e, 2), [B * h(k), 1]) : tf.matMul(e2[k]!, meanC[k - 1])) as tf.Tensor2D : null));
    const eCol = x.e.map((e, k) =>
      e ? (tf.reshape(tf.matMul(tf.broadcastTo(meanRow[k], [B, 1, h(k)]) as tf.Tensor3D, tf.reshape(e, [B, h(k), h(k - 1) * e.shape[3]]) as tf.Tensor3D), [B * h(k - 1), e.shape[3]]) as tf.Tensor2D) : null,
    );
    const nFlat = x.n.map((n) => tf.reshape(n, [-1, n.shape[2]]) as tf.Tensor2D);
    const F = Array.from({ length: K }, (_, k) => [nFlat[k], ...(eRow[k] ? [eRow[k]!] : []), ...(k + 1 < K ? [eCol[k + 1]!] : [])]);
    const pool = (t: tf.Tensor2D, k: number) => tf.mean(tf.reshape(t, [B, h(k), t.shape[1]]), 1) as tf.Tensor2D;
    const Fg = [x.g, ...nFlat.map((n, k) => pool(n, k)), ...eRow.flatMap((r, k) => (r ? [pool(r, k)] : []))];
    const n = Array.from({ length: K }, (_, k) => {
      const local = tf.reshape(tf.add(splitMatMul(F[k], W(`n${k}.local`)), L.nBias[k]), [B, h(k), c]);
      return tf.relu(tf.add(local, tf.reshape(splitMatMul(Fg, W(`n${k}.global`)), [B, 1, c]))) as tf.Tensor3D;
    });
    const e = Array.from({ length: K }, (_, k) => {
      const ek = x.e[k];
      if (!ek) return null;
      const self = tf.reshape(linear(tf.reshape(ek, [-1, ek.shape[3]]) as tf.Tensor2D, W(`e${k}.self`), L.eBias[k] as tf.Tensor1D), [B * h(k), h(k - 1) * c]);
      // per row i: F_k B + Fg D, broadcast over the h_{k-1} columns by a product with [I I ... I]
      const rowG = tf.add(tf.reshape(splitMatMul(F[k], W(`e${k}.rows`)), [B, h(k), c]), tf.reshape(splitMatMul(Fg, W(`e${k}.global`)), [B, 1, c]));
      const rows = tf.matMul(tf.reshape(rowG, [B * h(k), c]) as tf.Tensor2D, tileC[k - 1]);
      // per column j: F_{k-1} C, broadcast over the h_k rows by a product with a column of ones
      const colT = tf.reshape(splitMatMul(F[k - 1], W(`e${k}.cols`)), [B, 1, h(k - 1) * c]) as tf.Tensor3D;
      const cols = tf.reshape(tf.matMul(tf.broadcastTo(onesCol[k], [B, h(k), 1]) as tf.Tensor3D, colT), [B * h(k), h(k - 1) * c]);
      return tf.reshape(tf.relu(tf.add(tf.add(self, rows), cols)), [B, h(k), h(k - 1), c]) as tf.Tensor4D;
    });
    const g = tf.relu(tf.add(splitMatMul(Fg, W('g.global')), L.gBias)) as tf.Tensor2D;
    return { n, e, g };
  };

  return {
    family,
    variables: init.variables,
    summary,
    predict(ex: WeightSpaceExamples): tf.Tensor2D {
      if (ex.sizes.join() !== sizes.join()) throw new Error(`dwsnet: examples are INRs ${ex.sizes.join('-')}, the net was built for ${sizes.join('-')}`);
      const B = ex.count;
      const raw = dwsRawChannels(sizes);
      const o = weightSpaceObjects(standardizedParams(ex, stats), B, sizes);
      let x: Objects = {
        n: o.n.map((a, k) => tf.tensor3d(a, [B, h(k), raw.n[k]])),
        e: o.e.map((a, k) => (a ? tf.tensor4d(a, [B, h(k), h(k - 1), 1]) : null)),
        g: tf.tensor2d(o.g, [B, raw.g]),
      };
      for (const L of layers) x = layer(L, x, B);
      const pooled = tf.concat(
        [...x.n.map((n) => tf.mean(n, 1)), ...x.e.filter((e): e is tf.Tensor4D => e !== null).map((e) => tf.mean(e, [1, 2])), x.g],
        1,
      ) as tf.Tensor2D;
      const hid = linear(pooled, head1.w as tf.Tensor2D, head1.b as tf.Tensor1D, 'relu');
      const out = linear(hid, head2.w as tf.Tensor2D, head2.b as tf.Tensor1D);
      return tf.add(tf.mul(out, tf.tensor2d(stats.targetStd, [1, T])), tf.tensor2d(stats.targetMean, [1, T])) as tf.Tensor2D;
    },
    dispose() {
      tf.dispose(init.variables);
      tf.dispose([...tileC, ...meanC, ...onesCol, ...meanRow]);
    },
  };
}
