/**
 * Packed trials: several same-shape transformer trials (different seeds, learning rates, schedules) trained
 * as ONE batched program. Each weight is stacked over the trials (P, ...), every dense layer is one batched
 * matmul (P, M, in) @ (P, in, out), and the rows of all trials flow through the row-wise ops (layer norm,
 * GELU, softmax, residuals) together, so the per-kernel overhead, which dominates the study's small trials, is
 * paid once per step for all P. Each trial keeps its own data order, augmentation, Adam state, clipping,
 * learning-rate schedule and losses; the sum of the trials' losses has the gradient of each trial's loss on its
 * own weights. On the OpenBLAS path every per-trial matmul is the same sgemm call as in the unpacked trial, so a
 * packed trial reproduces training it alone bit for bit (tested); on wasm alone it agrees to float32 rounding.
 *
 * Scope: the transformer family; no checkpoints or intermediate evaluation (final validation and test loss per
 * trial, computed with the unpacked network and the trial's weights). The worker does not use it yet.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherExamples, type Examples } from '@equiscale/rigid-body';
import type { TrialConfig, TrialData, TransformerDims } from '../api.js';
import { gelu, layerNorm } from '../backend/ops.js';
import { matMulT } from '../backend/wasm-fixes.js';
import { augmentBatch } from '../task/augment.js';
import { checkNamedExamples, shapesOf } from '../task/examples.js';
import type { Net } from '../task/net.js';
import { keyMaskBias, tokenFeatureDim, tokenFeatures } from '../transformer/features.js';
import { transformerLayout } from '../transformer/layout.js';
import { createTransformerModel, headDisplacement } from '../transformer/model.js';
import { adamUpdate, globalNorm, newAdamState, type AdamState } from './adam.js';
import { DataOrder } from './data-order.js';
import { coordMask, evaluateLoss, maskedSquaredError } from './evaluate.js';
import { fitMotionGain } from './motion-baseline.js';
import { learningRate } from './schedule.js';
import { checkConfig } from './trainer.js';

const customGrad = (f: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Batched `linear`: x (P, M, in), w (P, in, out), b (P, 1, out) -> x @ w + b per trial. The backward mirrors
 * ops.ts `linear` matrix by matrix (dz @ wᵀ, xᵀ @ dz, ones(1, M) @ dz), so each trial's sums are the same.
 */
const packedLinear = customGrad((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x as tf.Tensor3D, b: w as tf.Tensor3D, bias: b }),
    gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved;
      const ones = tf.ones([xs.shape[0], 1, xs.shape[1]!]);
      return [matMulT(dz, ws, false, true), matMulT(xs, dz, true, false), tf.matMul(ones as tf.Tensor3D, dz as tf.Tensor3D)];
    },
  };
}) as unknown as (x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

export interface PackedTransformer {
  /** stacked variables (P, ...shape of the unpacked variable), in the unpacked net's variable order */
  variables: tf.Variable[];
  /** per trial, the unpacked variables' shapes (checkpoint order) */
  paramShapes: number[][];
  /** one batch per trial (same count); returns each trial's prediction (N, B, V, 3) */
  predict(batches: Examples[]): tf.Tensor[];
  dispose(): void;
}

/** The P transformers of `seeds`, initialised exactly as createTransformerModel(dims, shapes, seed, motionGain). */
export function createPackedTransformer(dims: TransformerDims, shapes: ReturnType<typeof shapesOf>, seeds: number[], motionGain: number): PackedTransformer {
  const singles = seeds.map((seed) => createTransformerModel(dims, shapes, seed, motionGain));
  const names = singles[0].variables.map((v) => v.name);
  const paramShapes = singles[0].variables.map((v) => v.shape.slice());
  const variables = paramShapes.map((_, j) => tf.variable(tf.tidy(() => tf.stack(singles.map((s) => s.variables[j]))), true));
  singles.forEach((s) => s.dispose());
  // the layout names of the unpacked net's variables, in order, e.g. 'block0.qkv.w'
  const layoutNames = transformerLayout(dims, shapes).map((spec) => spec.name);
  if (layoutNames.length !== names.length) throw new Error('createPackedTransformer: layout and variables differ');
  const byName = new Map(layoutNames.map((n, j) => [n, variables[j]]));
  const P = seeds.length;
  const width = dims.width;
  const heads = dims.heads;
  const dh = width / heads;
  const inDim = tokenFeatureDim(shapes);
  const scale = 1 / Math.sqrt(dh);
  const lin = (h: tf.Tensor, name: string, rows: number) => {
    const w = byName.get(`${name}.w`)! as unknown as tf.Tensor3D;
    const b = byName.get(`${name}.b`)!;
    const out = packedLinear(tf.reshape(h, [P, rows, h.shape[1]!]) as tf.Tensor3D, w, tf.reshape(b, [P, 1, w.shape[2]]) as tf.Tensor3D);
    return tf.reshape(out, [P * rows, w.shape[2]]);
  };

  function predict(batches: Examples[]): tf.Tensor[] {
    if (batches.length !== P) throw new Error(`packed predict: ${P} batches expected, got ${batches.length}`);
    const { count: n, maxBodies: t, maxVerts: v } = batches[0];
    if (batches.some((b) => b.count !== n)) throw new Error('packed predict: every trial needs a batch of the same size');
    const m = n * t;
    const feats = new Float32Array(P * m * inDim);
    const masks = new Float32Array(P * n * t);
    batches.forEach((b, i) => {
      feats.set(tokenFeatures(b), i * m * inDim);
      masks.set(keyMaskBias(b), i * n * t);
    });
    const x = tf.tensor2d(feats, [P * m, inDim]);
    const bias = tf.tensor3d(masks, [P * n, 1, t]);
    let h = lin(x, 'embed', m);
    for (let i = 0; i < dims.depth; i++) {
      const b = `block${i}.`;
      const a = layerNorm(h as tf.Tensor2D);
      const qkv = lin(a, b + 'qkv', m);
      const [q, k, vv] = tf.split(qkv, [width, dh, dh], 1);
      const q3 = tf.reshape(q, [P * n, t * heads, dh]);
      const scores = tf.add(tf.mul(matMulT(q3, tf.reshape(k, [P * n, t, dh]), false, true), scale), bias);
      const probs = tf.softmax(scores);
      const o = tf.reshape(tf.matMul(probs as tf.Tensor3D, tf.reshape(vv, [P * n, t, dh]) as tf.Tensor3D), [P * m, width]);
      h = tf.add(h, lin(o, b + 'attn_out', m));
      const a2 = layerNorm(h as tf.Tensor2D);
      const u = gelu(lin(a2, b + 'mlp1', m));
      h = tf.add(h, lin(u, b + 'mlp2', m));
    }
    const hf = layerNorm(h as tf.Tensor2D);
    const disp = lin(hf, 'head', m);
    return batches.map((ex, i) => {
      const curr = tf.tensor4d(ex.curr, [n, t, v, 3]);
      // the same readout as the unpacked model (transformer/model.ts headDisplacement): a rigid motion per body, or per vertex
      const head = tf.slice(disp, [i * m, 0], [m, disp.shape[1]!]) as tf.Tensor2D;
      let out = tf.add(curr, headDisplacement(head, curr, tf.tensor3d(ex.vertMask, [n, t, v]), dims.output ?? 'rigid'));
      if (motionGain !== 0) out = tf.add(out, tf.mul(tf.sub(curr, tf.tensor4d(ex.prev, [n, t, v, 3])), motionGain));
      return out;
    });
  }
  return { variables, paramShapes, predict, dispose: () => variables.forEach((x) => x.dispose()) };
}

export interface PackedTrialResult {
  status: 'completed' | 'diverged';
  step: number;
  /** every step's training loss (the minibatch loss, unaveraged) */
  trainLosses: number[];
  valLoss: number | null;
  testLoss: number | null;
  /** the trial's weights at the end, flat in the unpacked variable order (as in a checkpoint) */
  params: Float32Array;
  error?: string;
}

/** Checks that the configs can share one packed program; throws one line naming the field. */
function checkPackable(configs: TrialConfig[]): void {
  if (configs.length < 1) throw new Error('trainPacked: configs must hold at least one trial');
  const c0 = configs[0];
  if (c0.dims.family !== 'transformer') throw new Error(`trainPacked: dims.family must be "transformer" (got "${c0.dims.family}")`);
  if (c0.dims.lps) throw new Error('trainPacked: dims.lps (transformer+lps) is not packable; train it with trainTrial');
  configs.forEach((c, i) => {
    try {
      checkConfig(c);
    } catch (e) {
      throw new Error(`trainPacked: configs[${i}]: ${(e as Error).message}`);
    }
    for (const k of ['family', 'batchSize', 'steps'] as const) {
      if (c[k] !== c0[k]) throw new Error(`trainPacked: configs[${i}].${k} = ${String(c[k])} differs from configs[0].${k} = ${String(c0[k])}`);
    }
    if (c.clone) throw new Error(`trainPacked: configs[${i}].clone (transformer+clone) is not packable; train it with trainTrial`);
    if (JSON.stringify(c.dims) !== JSON.stringify(c0.dims)) throw new Error(`trainPacked: configs[${i}].dims differ from configs[0].dims`);
  });
}

/**
 * Trains `configs` (same family, dims, batch size and steps; any seeds, learning rates, schedules, clipping,
 * augmentation) together on `data`. Returns one result per config, in order.
 */
export function trainPacked(configs: TrialConfig[], data: TrialData, onStep?: (step: number) => void): PackedTrialResult[] {
  checkPackable(configs);
  checkNamedExamples(data.train, 'data.train');
  const shapes = shapesOf(data.train);
  const gain = fitMotionGain(data.train);
  const dims = configs[0].dims as TransformerDims;
  const P = configs.length;
  const steps = configs[0].steps;
  const packed = createPackedTransformer(dims, shapes, configs.map((c) => c.seed), gain);
  const sizes = packed.paramShapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  // per-trial flat master copies in the unpacked variable order
  const stacked = packed.variables.map((v) => v.dataSync() as Float32Array);
  const params = configs.map((_, i) => {
    const p = new Float32Array(total);
    let off = 0;
    sizes.forEach((n, j) => {
      p.set(stacked[j].subarray(i * n, (i + 1) * n), off);
      off += n;
    });
    return p;
  });
  const adams: AdamState[] = configs.map(() => newAdamState(total));
  const orders = configs.map((c) => new DataOrder(data.train.count, c.seed));
  const results: PackedTrialResult[] = configs.map((_, i) => ({ status: 'completed', step: 0, trainLosses: [], valLoss: null, testLoss: null, params: params[i] }));
  const live = () => results.some((r) => r.status === 'completed');
  const writeBack = () => {
    sizes.forEach((n, j) => {
      const buf = new Float32Array(P * n);
      let off = 0;
      for (let k = 0; k < j; k++) off += sizes[k];
      params.forEach((p, i) => buf.set(p.subarray(off, off + n), i * n));
      const t = tf.tensor(buf, packed.variables[j].shape);
      packed.variables[j].assign(t);
      t.dispose();
    });
  };
  try {
    for (let step = 0; step < steps && live(); step++) {
      const batches = configs.map((c, i) => {
        const b = gatherExamples(data.train, orders[i].next(c.batchSize));
        return c.augment ? augmentBatch(b, c.seed, step) : b;
      });
      const masks = batches.map((b) => coordMask(b));
      let lossVec: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const preds = packed.predict(batches);
        const losses = preds.map((pr, i) => tf.div(maskedSquaredError(pr, batches[i], masks[i].mask), Math.max(masks[i].count, 1)));
        lossVec = tf.keep(tf.stack(losses));
        return tf.sum(lossVec) as tf.Scalar;
      }, packed.variables);
      const lossValues = (lossVec as unknown as tf.Tensor).dataSync();
      const gradData = packed.variables.map((v) => grads[v.name].dataSync() as Float32Array);
      tf.dispose([value, lossVec as unknown as tf.Tensor]);
      tf.dispose(grads);
      configs.forEach((c, i) => {
        const g = new Float32Array(total);
        let off = 0;
        sizes.forEach((n, j) => {
          g.set(gradData[j].subarray(i * n, (i + 1) * n), off);
          off += n;
        });
        const loss = lossValues[i];
        const norm = globalNorm(g);
        const r = results[i];
        if (r.status !== 'completed') return; // a diverged trial keeps its last finite weights; the others go on
        if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
          r.status = 'diverged';
          r.error = `${!Number.isFinite(loss) ? `training loss is ${loss}` : `gradient norm is ${norm}`} at step ${step + 1}`;
          return;
        }
        const scale = c.gradClip > 0 && norm > c.gradClip ? c.gradClip / norm : 1;
        adamUpdate(params[i], g, adams[i], learningRate(c.lr, step + 1, steps), scale);
        r.trainLosses.push(loss);
        r.step = step + 1;
      });
      writeBack();
      onStep?.(step + 1);
    }
  } finally {
    packed.dispose();
  }
  // final evaluation with the unpacked network and each trial's weights (the same function as trainTrial)
  configs.forEach((c, i) => {
    const r = results[i];
    if (r.status !== 'completed') return;
    const net: Net = createTransformerModel(dims, shapes, c.seed, gain);
    try {
      let off = 0;
      net.variables.forEach((v, j) => {
        const t = tf.tensor(params[i].slice(off, off + sizes[j]), v.shape);
        v.assign(t);
        t.dispose();
        off += sizes[j];
      });
      r.valLoss = evaluateLoss(net, data.val);
      r.testLoss = evaluateLoss(net, data.test);
    } finally {
      net.dispose();
    }
  });
  return results;
}
