/**
 * GATr on the rigid-body benchmark: one token per body slot.
 *
 * Input embedding (gatrEmbed), for a batch of N examples with B body slots, V vertex slots, F features, with
 * c = the centroid of the example's real vertices at frame t (an equivariant point: subtracting it makes the
 * network input translation-invariant, and the output below is a displacement, so translations are exact):
 *   mv (N, B, 2V + 2, 16):
 *     channels 0 .. V-1     the motion of vertex v, (curr - prev) / MOTION_SCALE, as a direction (plane normal
 *                           [2..4]): Euclidean blades, so the norm and attention's inner product see it,
 *     channels V .. 2V-1    vertex v at frame t, relative to c, as a point ([14] = 1, [13] = -x, [12] = y,
 *                           [11] = -z); padding vertices are all-zero multivectors (multiplied by vertMask),
 *     channel 2V            gravity / GRAVITY_SCALE as a direction: plane normal [2..4] = g and the ideal part
 *                           of a translation [5..7] = -g/2, the same on every token,
 *     channel 2V + 1        the floor plane n.(x - c) = d - n.c as a plane ([2..4] = n, [1] = -(d - n.c)).
 *   s (N, B, F): the body features (one-hot mesh, scale, mass).
 *   mask (N, B): bodyMask (padding bodies are not attention keys and not in the join reference).
 * The floor and gravity are inputs that transform with the scene, exactly as the transformer gets them (as
 * coordinates, transformer/features.ts), and nothing else: no hand-made invariants. (Until issue 13 GATr also
 * got per-vertex heights above the floor and motions along its normal as invariant scalars; the README measures
 * what removing them changed.)
 * Output (dims.output, api.ts OutputMode):
 *   'rigid' (default): 2 multivector channels per token; the translation of the body's vertex centroid is
 *     MOTION_SCALE * out_0[2..4] (a direction: the plane normal, translation-invariant, rotates and reflects
 *     like a vector) and the rotation vector is ROTATION_SCALE * (out_1[e23], -out_1[e13], out_1[e12]) (the
 *     Euclidean bivector part, dual to an axial vector), applied with task/rigid-output.ts;
 *   'vertex': V channels per token; vertex v moves by MOTION_SCALE * out_v[2..4]. Each is a fixed mix of the
 *     c hidden channels' vectors, so with c = 1 all of a body's vertex displacements are parallel (no rotation).
 * Both add motionGain * (curr_v - prev_v) when the option is set, and the prediction is curr_v + displacement.
 *
 * Why this embedding (measured, libs/models/README.md "GATr embedding"): with points in world coordinates and
 * both frames as points, the vertex coordinates live only in blades containing e0, which the invariant inner
 * product ignores (the norm and "sdp" attention cannot see them), and a point-odd quantity such as the motion
 * reaches the grade-1 readout only through a join followed by a geometric product, averaged against its
 * mirror image by the symmetrization below; GATr then barely learned (8.3e-3 -> 6.5e-3 in 100 steps, where
 * the transformer reached 2.3e-3). Embedding the motion as a direction gives a linear path from input to
 * output (the grade-1 projection through the residual stream).
 *
 * gatr+approx (dims.approxInputs = k > 0, Ashman et al. 2024): k learned constant multivectors, the same on every
 * token and NOT transformed with the scene, are appended as input channels 2V+2 .. 2V+1+k (16k parameters, zero at
 * init, so the model starts exactly equivariant; their first-layer weights are ordinary EquiLinear weights). The
 * join reference is computed from the scene channels only (GatrNetConfig.refMv), and the reflection
 * symmetrization leaves them unsigned. setSymmetryBreaking(false) replaces them by zeros: the exact model.
 *
 * Reflections. Embedded points carry a sign under odd group elements: for a reflection g,
 * embedPoint(g p) = -(g . embedPoint(p)) (a point is a trivector, and the Pin action of an odd element on
 * grade 3 has a minus sign; extractPoint divides it away). Directions and planes have no such sign. So the
 * embedding is Pin-equivariant for rotations and translations but, for reflections, only up to negating
 * the point channels (sigma). Options:
 * - 'symmetrize' (default): average the displacement over both signs of the point channels,
 *   h(X) + h(sigma X), which is exactly E(3)-equivariant (h(sigma g X) = g h(X) for every g) at twice the
 *   compute: both halves run in one forward as a doubled batch, and both are counted in the FLOPs.
 * - 'ignore': exactly SE(3)-equivariant at half the cost; reflections hold only approximately (the point
 *   sign can reach the readout through the network's nonlinear paths; nothing bounds it after training).
 */
import * as tf from '@tensorflow/tfjs';
import type { Examples } from '@equiscale/rigid-body';
import type { GatrDims, TaskShapes } from '../api.js';
import { rigidDisplacement } from '../task/rigid-output.js';
import { rigidOutputExecutedFlops } from '../flops.js';
import type { Net } from '../task/net.js';
import { approxInputCount, gatrFlopsPerToken, gatrInputChannels, gatrInputScalars, gatrNetConfig, gatrOutputChannels, summarizeGatr } from './flops.js';
import type { AttentionVariant } from './attention.js';
import { GatrNet } from './network.js';
import { constant } from './primitives.js';

/** Gravity is divided by this before embedding (m/s^2). */
export const GRAVITY_SCALE = 9.81;
/** Vertex motions (curr - prev) are divided by this before embedding, and the output displacement multiplied (m). */
export const MOTION_SCALE = 0.1;
/** The rotation vector of the 'rigid' output is this times the output bivector (radians). */
export const ROTATION_SCALE = 0.1;

export { approxInputCount, gatrInputChannels, gatrInputScalars, gatrNetConfig, gatrOutputChannels, summarizeGatr };

export type ReflectionHandling = 'symmetrize' | 'ignore';

export interface GatrModelOptions {
  /** overrides dims.reflections; default 'symmetrize' (see the top of this file) */
  reflections?: ReflectionHandling;
  /** overrides dims.attention; attention logits, default 'sdp' (see attention.ts) */
  attention?: AttentionVariant;
  /**
   * ABLATION ONLY (bench/learning.bench.ts): also feed the hand-made invariant scalars GATr had before issue 13,
   * per vertex slot the height above the floor n.curr_v - d and the motion along the floor normal
   * n.(curr_v - prev_v) / MOTION_SCALE (2V more scalars). Default false: every family gets the same inputs.
   */
  handMadeInvariants?: boolean;
  /** constant-velocity baseline added to the prediction: motionGain * (curr - prev); default 0 (see train/motion-baseline.ts) */
  motionGain?: number;
}

/** The benchmark batch as tensors. */
export interface RigidBodyBatch {
  /** (N, B, V, 3) */
  prev: tf.Tensor;
  /** (N, B, V, 3) */
  curr: tf.Tensor;
  /** (N, B, V) */
  vertMask: tf.Tensor;
  /** (N, B) */
  bodyMask: tf.Tensor;
  /** (N, B, F) */
  bodyFeatures: tf.Tensor;
  /** (N, 3) */
  gravity: tf.Tensor;
  /** (N, 4) */
  floor: tf.Tensor;
}

/** Tensors of a padded Examples batch (without the target). */
export function batchTensors(ex: Examples): RigidBodyBatch {
  const { count: n, maxBodies: b, maxVerts: v, bodyFeatureCount: f } = ex;
  return {
    prev: tf.tensor4d(ex.prev, [n, b, v, 3]),
    curr: tf.tensor4d(ex.curr, [n, b, v, 3]),
    vertMask: tf.tensor3d(ex.vertMask, [n, b, v]),
    bodyMask: tf.tensor2d(ex.bodyMask, [n, b]),
    bodyFeatures: tf.tensor3d(ex.bodyFeatures, [n, b, f]),
    gravity: tf.tensor2d(ex.gravity, [n, 3]),
    floor: tf.tensor2d(ex.floor, [n, 4]),
  };
}

/**
 * The 'rigid' readout as [output (0-2 translation, 3-5 rotation vector), input (16 * channel + blade), weight]:
 * translation = MOTION_SCALE * out_0[e1, e2, e3], rotation = ROTATION_SCALE * (out_1[e23], -out_1[e13], out_1[e12]).
 */
export const RIGID_READOUT: [number, number, number][] = [
  [0, 2, MOTION_SCALE], [1, 3, MOTION_SCALE], [2, 4, MOTION_SCALE],
  [3, 16 + 10, ROTATION_SCALE], [4, 16 + 9, -ROTATION_SCALE], [5, 16 + 8, ROTATION_SCALE],
];

function embeddingMatrix(key: string, rows: [number, number, number][], inDim: number, outDim = 16): tf.Tensor2D {
  return constant(key, () => {
    const m = new Float32Array(inDim * outDim);
    for (const [r, c, v] of rows) m[r * outDim + c] = v;
    return tf.tensor2d(m, [inDim, outDim]);
  }) as tf.Tensor2D;
}

/** The input embedding described at the top of this file: {mv (N, B, 2V+2, 16), s (N, B, F), mask (N, B)}. */
export function gatrEmbed(batch: RigidBodyBatch, handMadeInvariants = false): { mv: tf.Tensor4D; s: tf.Tensor3D; mask: tf.Tensor2D } {
  const [n, b, v] = batch.curr.shape as [number, number, number, number];
  const check = (name: keyof RigidBodyBatch, shape: number[]): void => {
    const t = batch[name];
    if (t.rank !== shape.length || shape.some((d, i) => d >= 0 && t.shape[i] !== d)) {
      throw new Error(`gatrEmbed: ${name} must have shape (${shape.map((d) => (d < 0 ? '*' : d)).join(', ')}), got (${t.shape.join(', ')})`);
    }
  };
  check('curr', [n, b, v, 3]);
  check('prev', [n, b, v, 3]);
  check('vertMask', [n, b, v]);
  check('bodyMask', [n, b]);
  check('bodyFeatures', [n, b, -1]);
  check('gravity', [n, 3]);
  check('floor', [n, 4]);
  return tf.tidy(() => {
    const rows = n * b * v;
    const vm = batch.vertMask.toFloat();
    // centroid of the example's real vertices at frame t: (N, 1, 1, 3)
    const mask4 = vm.reshape([n, b, v, 1]);
    const count = tf.maximum(tf.sum(vm.reshape([n, b * v]), 1), 1).reshape([n, 1, 1, 1]);
    const centre = tf.div(tf.sum(tf.mul(batch.curr, mask4), [1, 2], true), count);
    const mask = vm.reshape([rows, 1]);
    // [x, y, z, 1] * mask -> point multivector (positions relative to the centroid)
    const pointM = embeddingMatrix('embed-point', [[0, 13, -1], [1, 12, 1], [2, 11, -1], [3, 14, 1]], 4);
    const rel = tf.sub(batch.curr, centre).reshape([rows, 3]);
    const points = tf.matMul(tf.mul(tf.concat([rel, tf.ones([rows, 1])], 1), mask), pointM).reshape([n, b, v, 16]);
    // motion (curr - prev) / MOTION_SCALE as a direction (plane normal, [2..4])
    const motionM = embeddingMatrix('embed-motion', [[0, 2, 1 / MOTION_SCALE], [1, 3, 1 / MOTION_SCALE], [2, 4, 1 / MOTION_SCALE]], 3);
    const motion = tf.matMul(tf.mul(tf.sub(batch.curr, batch.prev).reshape([rows, 3]), mask), motionM).reshape([n, b, v, 16]);
    // gravity / GRAVITY_SCALE as a direction: plane normal [2..4] and ideal bivector [5..7] = -g/2
    const gs = 1 / GRAVITY_SCALE;
    const dirM = embeddingMatrix('embed-gravity', [[0, 2, gs], [1, 3, gs], [2, 4, gs], [0, 5, -0.5 * gs], [1, 6, -0.5 * gs], [2, 7, -0.5 * gs]], 3);
    const gravity = tf.matMul(batch.gravity as tf.Tensor2D, dirM).reshape([n, 1, 1, 16]);
    // floor n.x = d, relative to the centroid: n.(x - c) = d - n.c
    const planeM = embeddingMatrix('embed-plane', [[0, 2, 1], [1, 3, 1], [2, 4, 1], [3, 1, -1]], 4);
    const normal = tf.slice(batch.floor, [0, 0], [n, 3]);
    const offset = tf.sub(tf.slice(batch.floor, [0, 3], [n, 1]), tf.sum(tf.mul(normal, centre.reshape([n, 3])), 1, true));
    const floor = tf.matMul(tf.concat([normal, offset], 1) as tf.Tensor2D, planeM).reshape([n, 1, 1, 16]);
    const scene = tf.tile(tf.concat([gravity, floor], 2), [1, b, 1, 1]);
    const mv = tf.concat([motion, points, scene], 2) as tf.Tensor4D;
    let s = batch.bodyFeatures.toFloat() as tf.Tensor3D;
    if (handMadeInvariants) {
      const nrm = normal.reshape([n, 1, 1, 3]);
      const d = tf.slice(batch.floor, [0, 3], [n, 1]).reshape([n, 1, 1]);
      const height = tf.mul(tf.sub(tf.sum(tf.mul(batch.curr, nrm), 3), d), vm);
      const normalMotion = tf.mul(tf.div(tf.sum(tf.mul(tf.sub(batch.curr, batch.prev), nrm), 3), MOTION_SCALE), vm);
      s = tf.concat([s, height, normalMotion], 2) as tf.Tensor3D;
    }
    return { mv, s, mask: batch.bodyMask.toFloat() as tf.Tensor2D };
  });
}

let approxVarId = 0;

export interface GatrModel extends Net {
  readonly net: GatrNet;
  readonly paramCount: number;
  readonly reflections: ReflectionHandling;
  /** Predicted positions at t+h, (N, B, V, 3), from tensors. */
  predictTensors(batch: RigidBodyBatch): tf.Tensor;
  /** Nominal and executed FLOPs (fwd + bwd) per sample with `tokensPerSample` body slots. */
  flops(tokensPerSample?: number): { nominalFlopsPerSample: number; executedFlopsPerSample: number };
}

export function createGatrModel(dims: GatrDims, shapes: TaskShapes, seed: number, options: GatrModelOptions = {}): GatrModel {
  if (dims.family !== 'gatr') throw new Error(`createGatrModel: dims.family must be "gatr", got "${String(dims.family)}"`);
  for (const k of ['maxBodies', 'maxVerts', 'bodyFeatureCount'] as const) {
    if (!Number.isInteger(shapes[k]) || shapes[k] < 1) throw new Error(`createGatrModel: shapes.${k} must be a positive integer, got ${shapes[k]}`);
  }
  const reflections = options.reflections ?? dims.reflections ?? 'symmetrize';
  const output = dims.output ?? 'rigid';
  if (output !== 'rigid' && output !== 'vertex') throw new Error(`createGatrModel: dims.output must be "rigid" or "vertex", got "${String(output)}"`);
  const attention = options.attention ?? dims.attention ?? 'sdp';
  if (attention !== 'sdp' && attention !== 'distance') throw new Error(`createGatrModel: dims.attention must be "sdp" or "distance", got "${String(attention)}"`);
  if (reflections !== 'symmetrize' && reflections !== 'ignore') {
    throw new Error(`createGatrModel: options.reflections must be "symmetrize" or "ignore", got "${String(reflections)}"`);
  }
  const motionGain = options.motionGain ?? 0;
  if (!Number.isFinite(motionGain)) throw new Error(`createGatrModel: options.motionGain must be a finite number, got ${motionGain}`);
  const cfg = gatrNetConfig(dims, shapes, attention, options.handMadeInvariants);
  const net = new GatrNet(cfg, seed);
  const C = cfg.outMv;
  const V = shapes.maxVerts;
  // gatr+approx: k learned constant multivectors (zero at init: exactly equivariant), the same on every token
  const approx = approxInputCount(dims);
  const approxVar = approx > 0 ? tf.variable(tf.zeros([1, 1, approx, 16]), true, `gatr-approx/${seed}/${approxVarId++}`) : null;
  let approxOn = true;
  const variables = approxVar ? [...net.variables, approxVar] : net.variables;

  function predictTensors(batch: RigidBodyBatch): tf.Tensor {
    return tf.tidy(() => {
      const [n, b] = batch.curr.shape as [number, number];
      if (b !== shapes.maxBodies || batch.curr.shape[2] !== V || batch.bodyFeatures.shape[2] !== shapes.bodyFeatureCount) {
        throw new Error(
          `GATr model was built for maxBodies=${shapes.maxBodies}, maxVerts=${V}, bodyFeatureCount=${shapes.bodyFeatureCount}; ` +
            `got ${b}, ${batch.curr.shape[2]}, ${batch.bodyFeatures.shape[2]}`,
        );
      }
      const embedded = gatrEmbed(batch, options.handMadeInvariants);
      const { s, mask } = embedded;
      let mv: tf.Tensor = embedded.mv;
      if (approxVar) {
        // not transformed with the scene: this is what breaks the symmetry; off = zeros = the exact model
        const fixed = approxOn ? tf.tile(approxVar, [n, b, 1, 1]) : tf.zeros([n, b, approx, 16]);
        mv = tf.concat([mv, fixed], 2);
      }
      let out: tf.Tensor; // (N, B, C, 16)
      if (reflections === 'symmetrize') {
        const signs = constant(`point-signs-${V}-${approx}`, () => {
          const sg = new Float32Array(2 * V + 2 + approx).fill(1);
          sg.fill(-1, V, 2 * V);
          return tf.tensor4d(sg, [1, 1, 2 * V + 2 + approx, 1]);
        });
        const both = net.forward(tf.concat([mv, tf.mul(mv, signs)], 0), tf.concat([s, s], 0), tf.concat([mask, mask], 0)).mv;
        out = tf.mul(tf.sum(both.reshape([2, n, b, C, 16]), 0), 0.5); // the average of the two halves' outputs
      } else {
        out = net.forward(mv, s, mask).mv;
      }
      let disp: tf.Tensor;
      if (output === 'vertex') {
        const extractM = embeddingMatrix('extract-normal', [[0, 2, 1], [1, 3, 1], [2, 4, 1]], 3).transpose(); // (16, 3)
        disp = tf.mul(tf.matMul(out.reshape([-1, 16]) as tf.Tensor2D, extractM), MOTION_SCALE).reshape([n, b, V, 3]);
      } else {
        // (N*B, 32) @ (32, 6): translation from channel 0's vector part, rotation from channel 1's bivector part
        const rigidM = embeddingMatrix('extract-rigid', RIGID_READOUT, 6, 32).transpose(); // (32, 6)
        const tw = tf.matMul(out.reshape([n * b, 32]) as tf.Tensor2D, rigidM).reshape([n, b, 6]);
        disp = rigidDisplacement(batch.curr, batch.vertMask, tf.slice(tw, [0, 0, 0], [n, b, 3]), tf.slice(tw, [0, 0, 3], [n, b, 3]));
      }
      if (motionGain !== 0) disp = tf.add(disp, tf.mul(tf.sub(batch.curr, batch.prev), motionGain));
      return tf.add(batch.curr, disp);
    });
  }

  const flops = (tokensPerSample = shapes.maxBodies) => {
    const f = gatrFlopsPerToken(cfg, tokensPerSample);
    const passes = reflections === 'symmetrize' ? 2 : 1;
    const rigid = output === 'rigid' ? rigidOutputExecutedFlops({ ...shapes, maxBodies: tokensPerSample }).total : 0;
    return { nominalFlopsPerSample: passes * tokensPerSample * f.nominalPerToken, executedFlopsPerSample: passes * tokensPerSample * f.executedPerToken + rigid };
  };

  return {
    family: 'gatr',
    net,
    variables,
    paramCount: net.paramCount + 16 * approx,
    reflections,
    summary: summarizeGatr(dims, shapes, { reflections, attention, handMadeInvariants: options.handMadeInvariants }),
    predictTensors,
    predict(ex: Examples): tf.Tensor {
      return tf.tidy(() => predictTensors(batchTensors(ex)));
    },
    flops,
    ...(approxVar
      ? {
          setSymmetryBreaking(on: boolean) {
            approxOn = on;
          },
        }
      : {}),
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}
