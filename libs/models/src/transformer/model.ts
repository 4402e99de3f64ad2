/**
 * The baseline transformer: pre-LayerNorm blocks, multi-query attention (K and V shared across heads),
 * GELU MLP, one token per body slot, masked attention over padded bodies; output = predicted per-vertex
 * displacement added to curr, shape (N, B, V, 3): by default a rigid motion per body (task/rigid-output.ts), with
 * dims.output = 'vertex' a free displacement per vertex slot.
 *
 * Tensor layout inside: batch and tokens are flattened into rows (M = N*T, features) so every dense layer is
 * one 2-D matmul with fused bias. Attention without transposing Q: Q (M, H*dh) is viewed as (N, T*H, dh)
 * (row t*H + h = head h of token t), K^T is (N, dh, T), scores (N, T*H, T), softmax over keys,
 * P @ V gives (N, T*H, dh) = (M, d) again.
 */
import * as tf from '@tensorflow/tfjs';
import type { TaskShapes, TransformerDims } from '../api.js';
import type { Net } from '../task/net.js';
import { gelu, layerNorm, linear } from '../backend/ops.js';
import { matMulT } from '../backend/wasm-fixes.js';
import { keyMaskBias, tokenFeatureDim, tokenFeatures } from './features.js';
import { transformerLayout, type ParamSpec } from './layout.js';
import { summarizeTransformer } from '../flops.js';
import { rigidDisplacement } from '../task/rigid-output.js';
import { Rng, type Examples } from '@equiscale/rigid-body';

/** Fills a parameter's initial values from the seeded stream (in layout order: deterministic per seed). */
export function initialValues(spec: ParamSpec, rng: Rng): Float32Array {
  const n = spec.shape.reduce((p, x) => p * x, 1);
  const out = new Float32Array(n);
  if (spec.init.kind === 'ones') out.fill(1);
  else if (spec.init.kind === 'normal') for (let i = 0; i < n; i++) out[i] = rng.normal(0, spec.init.std);
  return out;
}

/** The transformer's weights and its trunk + head on token features (shared by the plain model and transformer+lps). */
export interface TransformerCore {
  variables: tf.Variable[];
  /** x (N*T, inDim) token features, bias (N, 1, T) key mask -> head output (N*T, out): 6 ('rigid') or 3V ('vertex') */
  head(x: tf.Tensor2D, bias: tf.Tensor3D, n: number): tf.Tensor2D;
}

export function createTransformerCore(dims: TransformerDims, shapes: TaskShapes, seed: number): TransformerCore {
  const layout = transformerLayout(dims, shapes);
  const rng = Rng.fromKey('equiscale-init', 'transformer', seed);
  const vars = layout.map((spec) => {
    const init = tf.tensor(initialValues(spec, rng), spec.shape);
    const v = tf.variable(init, true);
    init.dispose();
    return v;
  });
  const byName = new Map(layout.map((spec, i) => [spec.name, vars[i]]));
  const p = (name: string) => byName.get(name)!;
  const w2 = (name: string) => p(name) as unknown as tf.Tensor2D;
  const w1 = (name: string) => p(name) as unknown as tf.Tensor1D;
  const width = dims.width;
  const heads = dims.heads;
  const dh = width / heads;
  const scale = 1 / Math.sqrt(dh);
  const t = shapes.maxBodies;

  function head(x: tf.Tensor2D, bias: tf.Tensor3D, n: number): tf.Tensor2D {
    const m = n * t;
    let h = linear(x, w2('embed.w'), w1('embed.b'));
    for (let i = 0; i < dims.depth; i++) {
      const b = `block${i}.`;
      const a = layerNorm(h);
      const qkv = linear(a, w2(b + 'qkv.w'), w1(b + 'qkv.b'));
      const [q, k, vv] = tf.split(qkv, [width, dh, dh], 1);
      const q3 = tf.reshape(q, [n, t * heads, dh]);
      const scores = tf.add(tf.mul(matMulT(q3, tf.reshape(k, [n, t, dh]), false, true), scale), bias);
      const probs = tf.softmax(scores);
      const o = tf.reshape(tf.matMul(probs as tf.Tensor3D, tf.reshape(vv, [n, t, dh]) as tf.Tensor3D), [m, width]);
      h = tf.add(h, linear(o as tf.Tensor2D, w2(b + 'attn_out.w'), w1(b + 'attn_out.b')));
      const a2 = layerNorm(h);
      const u = gelu(linear(a2, w2(b + 'mlp1.w'), w1(b + 'mlp1.b')));
      h = tf.add(h, linear(u, w2(b + 'mlp2.w'), w1(b + 'mlp2.b')));
    }
    return linear(layerNorm(h), w2('head.w'), w1('head.b'));
  }
  return { variables: vars, head };
}

/** Displacements (N, B, V, 3) from the head output (N*B, 6 or 3V) for vertices at `curr` (N, B, V, 3). */
export function headDisplacement(head: tf.Tensor2D, curr: tf.Tensor, vertMask: tf.Tensor, output: 'rigid' | 'vertex'): tf.Tensor {
  const [n, t, v] = curr.shape as [number, number, number, number];
  const m = n * t;
  return output === 'vertex'
    ? tf.reshape(head, [n, t, v, 3])
    : rigidDisplacement(curr, vertMask, tf.reshape(tf.slice(head, [0, 0], [m, 3]), [n, t, 3]), tf.reshape(tf.slice(head, [0, 3], [m, 3]), [n, t, 3]));
}

/**
 * motionGain: constant-velocity baseline added to the prediction, motionGain * (curr - prev) (default 0; the
 * trainer fits it on the training set for both families, see train/motion-baseline.ts).
 */
export function createTransformerModel(dims: TransformerDims, shapes: TaskShapes, seed: number, motionGain = 0): Net {
  if (!Number.isFinite(motionGain)) throw new Error(`createTransformerModel: motionGain must be a finite number, got ${motionGain}`);
  const core = createTransformerCore(dims, shapes, seed);
  const inDim = tokenFeatureDim(shapes);
  const output = dims.output ?? 'rigid';

  function predict(ex: Examples): tf.Tensor {
    const { count: n, maxBodies: t, maxVerts: v } = ex;
    if (t !== shapes.maxBodies || v !== shapes.maxVerts || ex.bodyFeatureCount !== shapes.bodyFeatureCount) {
      throw new Error(
        `transformer was built for maxBodies=${shapes.maxBodies}, maxVerts=${shapes.maxVerts}, ` +
          `bodyFeatureCount=${shapes.bodyFeatureCount}; got ${t}, ${v}, ${ex.bodyFeatureCount}`,
      );
    }
    const m = n * t;
    const x = tf.tensor2d(tokenFeatures(ex), [m, inDim]);
    const bias = tf.tensor3d(keyMaskBias(ex), [n, 1, t]);
    const head = core.head(x, bias, n);
    const curr = tf.tensor4d(ex.curr, [n, t, v, 3]);
    let out = tf.add(curr, headDisplacement(head, curr, tf.tensor3d(ex.vertMask, [n, t, v]), output));
    if (motionGain !== 0) out = tf.add(out, tf.mul(tf.sub(curr, tf.tensor4d(ex.prev, [n, t, v, 3])), motionGain));
    return out;
  }

  return {
    family: 'transformer',
    variables: core.variables,
    summary: summarizeTransformer(dims, shapes),
    predict,
    dispose: () => core.variables.forEach((x) => x.dispose()),
  };
}
