/**
 * transformer+lps: probabilistic symmetrization of the baseline transformer (Kim et al. 2023),
 *   phi(x) = 1/k sum_i g_i . f(g_i^-1 . x),   g_i = (Q_i, c) ~ p(g | x),
 * with f the transformer (createTransformerCore) and p given by a small equivariant network q fed with invariant
 * noise. Which group: E(3) = O(3) x R^3 acting on the WHOLE input, scene and floor plane and gravity together
 * (they are inputs that transform with the scene, as for every family). Translations: c = the centroid of the
 * example's real vertices at frame t. Rotations and reflections: q outputs three vectors per example,
 *   v_a = mean_j over real vertices [ alpha_aj r_j + beta_aj m_j + gamma_aj g + delta_aj n ],
 * r_j = curr_j - c, m_j = (curr_j - prev_j) / 0.1 m, g = gravity / 9.81, n = the floor normal, and the 12
 * coefficients per vertex from an MLP of the invariants (|r|^2, |m|^2, r.m, r.g, m.g, r.n, m.n) and `noise` iid
 * N(0, 1) scalars per vertex (invariant noise). Gram–Schmidt on (v_1, v_2, v_3) gives Q in O(3) (det +-1),
 * and for h = (R, t): v_a(h x) = R v_a(x), so Q(h x) = R Q(x), c(h x) = R c + t, and phi is exactly
 * E(3)-equivariant for every fixed noise draw (tested). Because q sees gravity and the floor normal, it can
 * learn to put one axis along the vertical; the frames then only vary within the floor's own group (rotations
 * about the vertical, reflections in vertical planes, horizontal translations) — the task's symmetry, which is
 * what the averaging should be over when the data respect it. With wind (windStrength > 0) the data break even
 * that group, and no frame average can represent the wind direction: the symmetrized model is exactly
 * equivariant, like GATr.
 *
 * f sees g^-1 . x: positions and motions rotated into the frame (x Q as row vectors), gravity and the floor
 * normal rotated, the floor offset relative to c (invariant). Its displacement (rigid or per vertex) is rotated
 * back (d Q^T); the constant-velocity baseline is equivariant by itself. All k samples run as one batch of k N.
 * Noise: training step s draws from Rng.fromKey('equiscale-lps', seed, s); evaluation uses one fixed draw
 * (key 'eval'), so evaluation is deterministic. Accounting: symmetry-accounting.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type Examples } from '@equiscale/rigid-body';
import type { TaskShapes, TransformerDims } from '../api.js';
import type { Net } from '../task/net.js';
import { LPS_Q_FEATURES, LPS_Q_OUT, checkLps, summarizeLps } from '../symmetry-accounting.js';
import { createTransformerCore, headDisplacement } from './model.js';
import { tokenFeatureDim } from './features.js';

const MOTION_SCALE = 0.1;
const GRAVITY_SCALE = 9.81;

/** The frame of each of the k N example copies: Q (kN, 3, 3) with columns the frame vectors, and the centre c (kN, 1, 3). */
export interface Frames {
  q: tf.Tensor3D;
  centre: tf.Tensor3D;
}

export interface LpsModel extends Net {
  /** the frames q draws for these examples and this noise ((k, N, B*V, noise) values) */
  frames(ex: Examples, noise: Float32Array): Frames;
  /** predictions (N, B, V, 3) with an explicit noise draw ((k, N, B*V, noise) values) */
  predictWithNoise(ex: Examples, noise: Float32Array): tf.Tensor;
  /** the noise the next predict() will use for a batch of n examples */
  noiseFor(n: number): Float32Array;
}

function normalize(v: tf.Tensor): tf.Tensor {
  return tf.div(v, tf.sqrt(tf.add(tf.sum(tf.square(v), -1, true), 1e-12)));
}

function dot(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(a, b), -1, true);
}

export function createLpsModel(dims: TransformerDims, shapes: TaskShapes, seed: number, motionGain = 0): LpsModel {
  if (!dims.lps) throw new Error('createLpsModel: dims.lps must be set');
  if (!Number.isFinite(motionGain)) throw new Error(`createLpsModel: motionGain must be a finite number, got ${motionGain}`);
  const o = checkLps(dims.lps);
  const { lps: _lps, ...plain } = dims;
  const core = createTransformerCore(plain, shapes, seed);
  const output = dims.output ?? 'rigid';
  const { maxBodies: B, maxVerts: V, bodyFeatureCount: F } = shapes;
  const k = o.samples;
  // q: per-vertex MLP, LPS_Q_FEATURES + noise -> hidden (tanh) -> LPS_Q_OUT, seeded from the trial seed
  const rng = Rng.fromKey('equiscale-init', 'lps-frame-net', seed);
  const inQ = LPS_Q_FEATURES + o.noise;
  const init = (shape: number[], std: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = std === 0 ? 0 : rng.normal(0, std);
    const t = tf.tensor(v, shape);
    const variable = tf.variable(t, true);
    t.dispose();
    return variable;
  };
  const qW1 = init([inQ, o.hidden], 1 / Math.sqrt(inQ));
  const qB1 = init([o.hidden], 0);
  const qW2 = init([o.hidden, LPS_Q_OUT], 1 / Math.sqrt(o.hidden));
  const qB2 = init([LPS_Q_OUT], 0);
  const variables = [...core.variables, qW1, qB1, qW2, qB2];
  let noiseStep: number | null = null;

  function noiseFor(n: number): Float32Array {
    const r = noiseStep === null ? Rng.fromKey('equiscale-lps', seed, 'eval') : Rng.fromKey('equiscale-lps', seed, noiseStep);
    const out = new Float32Array(k * n * B * V * o.noise);
    for (let i = 0; i < out.length; i++) out[i] = r.normal();
    return out;
  }

  function check(ex: Examples): void {
    if (ex.maxBodies !== B || ex.maxVerts !== V || ex.bodyFeatureCount !== F) {
      throw new Error(`transformer+lps was built for maxBodies=${B}, maxVerts=${V}, bodyFeatureCount=${F}; got ${ex.maxBodies}, ${ex.maxVerts}, ${ex.bodyFeatureCount}`);
    }
  }

  /** Tensors of the batch tiled k times along the example axis (sample-major: copy i of example e is row i N + e). */
  function inputs(ex: Examples) {
    const n = ex.count;
    const tile = (t: tf.Tensor) => tf.tile(t, [k, ...t.shape.slice(1).map(() => 1)]);
    const curr = tile(tf.tensor3d(ex.curr, [n, B * V, 3]));
    const prev = tile(tf.tensor3d(ex.prev, [n, B * V, 3]));
    const vm = tile(tf.tensor3d(ex.vertMask, [n, B * V, 1]));
    const g = tile(tf.tensor3d(ex.gravity, [n, 1, 3]));
    const floor = tile(tf.tensor3d(ex.floor, [n, 1, 4]));
    const normal = tf.slice(floor, [0, 0, 0], [k * n, 1, 3]);
    const offset = tf.slice(floor, [0, 0, 3], [k * n, 1, 1]);
    const count = tf.maximum(tf.sum(vm, 1, true), 1); // (kN, 1, 1)
    const centre = tf.div(tf.sum(tf.mul(curr, vm), 1, true), count) as tf.Tensor3D; // (kN, 1, 3)
    const r = tf.mul(tf.sub(curr, centre), vm); // (kN, BV, 3)
    const m = tf.mul(tf.div(tf.sub(curr, prev), MOTION_SCALE), vm);
    return { n, curr, prev, vm, g: tf.div(g, GRAVITY_SCALE), normal, offset, count, centre, r, m };
  }

  function framesOf(x: ReturnType<typeof inputs>, noise: Float32Array): tf.Tensor3D {
    const { n, vm, g, normal, count, r, m } = x;
    if (noise.length !== k * n * B * V * o.noise) throw new Error(`transformer+lps: noise must have ${k * n * B * V * o.noise} values (got ${noise.length})`);
    const feats = tf.concat(
      [dot(r, r), dot(m, m), dot(r, m), dot(r, g), dot(m, g), dot(r, normal), dot(m, normal), tf.tensor3d(noise, [k * n, B * V, o.noise])],
      2,
    ); // (kN, BV, inQ): invariants and invariant noise
    const hidden = tf.tanh(tf.add(tf.matMul(feats.reshape([k * n * B * V, inQ]), qW1), qB1));
    const coef = tf.mul(tf.add(tf.matMul(hidden, qW2), qB2).reshape([k * n, B * V, LPS_Q_OUT]), vm); // (kN, BV, 12)
    // per frame vector a: sum_j [coef(4a) r_j + coef(4a+1) m_j + coef(4a+2) g + coef(4a+3) n] / count
    const basis = tf.stack([r, m, tf.mul(tf.tile(g, [1, B * V, 1]), vm), tf.mul(tf.tile(normal, [1, B * V, 1]), vm)], 2); // (kN, BV, 4, 3)
    const c4 = coef.reshape([k * n, B * V, 3, 4]);
    // (kN, 3, BV*4) @ (kN, BV*4, 3) -> (kN, 3 vectors, 3 coords)
    const vecs = tf.div(
      tf.matMul(c4.transpose([0, 2, 1, 3]).reshape([k * n, 3, B * V * 4]) as tf.Tensor3D, basis.reshape([k * n, B * V * 4, 3]) as tf.Tensor3D),
      count,
    );
    const [v1, v2, v3] = tf.split(vecs, 3, 1); // (kN, 1, 3) each
    const u1 = normalize(v1);
    const u2 = normalize(tf.sub(v2, tf.mul(dot(v2, u1), u1)));
    const u3 = normalize(tf.sub(tf.sub(v3, tf.mul(dot(v3, u1), u1)), tf.mul(dot(v3, u2), u2)));
    // Q (kN, 3, 3): column a = u_a, i.e. Q[:, i, a] = u_a[i]
    return tf.concat([u1, u2, u3], 1).transpose([0, 2, 1]) as tf.Tensor3D;
  }

  function predictWithNoise(ex: Examples, noise: Float32Array): tf.Tensor {
    check(ex);
    const x = inputs(ex);
    const { n, curr, vm, g, normal, offset, centre, r, m } = x;
    const q = framesOf(x, noise);
    // g^-1 . x as row vectors: v -> v Q
    const rl = tf.matMul(r as tf.Tensor3D, q); // (kN, BV, 3)
    const ml = tf.mul(tf.matMul(m as tf.Tensor3D, q), MOTION_SCALE);
    const gl = tf.matMul(g as tf.Tensor3D, q); // (kN, 1, 3)
    const nl = tf.matMul(normal as tf.Tensor3D, q);
    const dRel = tf.sub(offset, dot(normal, centre)); // d - n.c, invariant
    const bm = tf.tile(tf.tensor3d(ex.bodyMask, [n, B, 1]), [k, 1, 1]); // (kN, B, 1)
    const scene = tf.mul(tf.tile(tf.concat([gl, nl, dRel], 2), [1, B, 1]), bm); // (kN, B, 7)
    const feats = tf.tile(tf.tensor3d(ex.bodyFeatures, [n, B, F]), [k, 1, 1]);
    // the same token layout as features.ts: curr - c (3V), curr - prev (3V), body features, gravity, normal, offset
    const tokens = tf.concat([rl.reshape([k * n, B, 3 * V]), ml.reshape([k * n, B, 3 * V]), feats, scene], 2).reshape([k * n * B, tokenFeatureDim(shapes)]);
    const bias = tf.tile(tf.tensor3d(Float32Array.from(ex.bodyMask, (b) => (b === 0 ? -1e9 : 0)), [n, 1, B]), [k, 1, 1]);
    const head = core.head(tokens as tf.Tensor2D, bias as tf.Tensor3D, k * n);
    const dispLocal = headDisplacement(head, rl.reshape([k * n, B, V, 3]), vm.reshape([k * n, B, V]), output); // (kN, B, V, 3)
    // back to the world: d Q^T, then the mean over the k samples
    const back = tf.matMul(dispLocal.reshape([k * n, B * V, 3]) as tf.Tensor3D, tf.transpose(q, [0, 2, 1]) as tf.Tensor3D);
    const mean = tf.mean(back.reshape([k, n, B, V, 3]), 0);
    const c0 = tf.slice(curr, [0, 0, 0], [n, B * V, 3]).reshape([n, B, V, 3]);
    let out = tf.add(c0, mean);
    if (motionGain !== 0) out = tf.add(out, tf.mul(tf.sub(c0, tf.tensor4d(ex.prev, [n, B, V, 3])), motionGain));
    return out;
  }

  return {
    family: 'transformer',
    variables,
    summary: summarizeLps(dims, shapes),
    predict: (ex) => predictWithNoise(ex, noiseFor(ex.count)),
    predictWithNoise,
    noiseFor,
    frames(ex, noise) {
      check(ex);
      return tf.tidy(() => {
        const x = inputs(ex);
        return { q: tf.keep(framesOf(x, noise)), centre: tf.keep(x.centre) };
      });
    },
    setNoiseStep(step) {
      noiseStep = step;
    },
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}
