/**
 * Shared equivariance checks (used by the GATr tests and usable on any model, e.g. the baseline
 * transformer, which must fail them).
 *
 * - multivectorEquivarianceError: a map on (mv (batch, items, c, 16), s) is Pin(3,0,1)-equivariant when
 *   f(g.mv, s) = (g.f(mv, s).mv, f(mv, s).s): multivectors transform by the sandwich, scalars are invariant.
 * - benchmarkEquivarianceError: a rigid-body predictor is E(3)-equivariant when transforming the inputs
 *   (positions, gravity, floor) by g transforms the predicted positions by g.
 * Both return || f(g x) - g f(x) || / || f(x) || (Frobenius norms, float64 accumulation).
 */
import * as tf from '@tensorflow/tfjs';
import { transformExamples, type E3, type Examples } from '@equiscale/rigid-body';
import { actOnMultivectors, pinToEuclidean } from '../algebra/index.js';

type MvLike = ArrayLike<number>;

/** The E(3) element (rigid-body convention) that a Pin(3,0,1) versor induces on points. */
export function pinToE3(u: MvLike): E3 {
  const { rotation, translation } = pinToEuclidean(u);
  return { rotation: Array.from(rotation), translation: Array.from(translation) };
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, scale: ArrayLike<number>, weight?: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < actual.length; i++) {
    const w = weight ? weight[i]! : 1;
    num += w * (actual[i]! - expected[i]!) ** 2;
    den += w * scale[i]! ** 2;
  }
  if (den === 0) throw new Error('equivariance check: the reference output is all zeros; use inputs in general position');
  return Math.sqrt(num / den);
}

export type MultivectorMap = (mv: tf.Tensor, s: tf.Tensor | null) => { mv: tf.Tensor; s: tf.Tensor | null };

/**
 * || f(g.mv, s) - g.f(mv, s) || / || f(mv, s) || over multivector and scalar outputs, for the versor u.
 */
export async function multivectorEquivarianceError(f: MultivectorMap, mv: tf.Tensor, s: tf.Tensor | null, u: MvLike): Promise<number> {
  const mvData = await mv.data();
  const moved = tf.tensor(actOnMultivectors(u, mvData), mv.shape);
  try {
    const y = tf.tidy(() => {
      const o = f(mv, s);
      return o.s ? [o.mv, o.s] : [o.mv];
    });
    const yMoved = tf.tidy(() => {
      const o = f(moved, s);
      return o.s ? [o.mv, o.s] : [o.mv];
    });
    const [yMv, yS] = await Promise.all(y.map((t) => t.data()));
    const [mMv, mS] = await Promise.all(yMoved.map((t) => t.data()));
    tf.dispose([...y, ...yMoved]);
    const expectedMv = actOnMultivectors(u, yMv!);
    const actual = Float64Array.from([...mMv!, ...(mS ?? [])]);
    const expected = Float64Array.from([...expectedMv, ...(yS ?? [])]);
    const scale = Float64Array.from([...yMv!, ...(yS ?? [])]);
    return relativeError(actual, expected, scale);
  } finally {
    moved.dispose();
  }
}

export interface BenchmarkEquivariance {
  /** || f(g x) - g f(x) || / || f(x) || over real vertices */
  relError: number;
  /** the same error relative to the predicted displacement || f(x) - curr || (a stricter scale) */
  relToDisplacement: number;
}

/**
 * Equivariance of a rigid-body predictor (Examples -> (N, B, V, 3) positions) under the E(3) element g:
 * inputs are moved with transformExamples (positions, gravity, floor), the prediction with x -> R x + t.
 */
export async function benchmarkEquivarianceError(predict: (ex: Examples) => tf.Tensor, ex: Examples, g: E3): Promise<BenchmarkEquivariance> {
  const y = tf.tidy(() => predict(ex));
  const yMoved = tf.tidy(() => predict(transformExamples(ex, g)));
  const [a, b] = await Promise.all([y.data(), yMoved.data()]);
  tf.dispose([y, yMoved]);
  const r = g.rotation;
  const t = g.translation;
  const expected = new Float64Array(a.length);
  const displacement = new Float64Array(a.length);
  const weight = new Float64Array(a.length);
  for (let v = 0; v < a.length / 3; v++) {
    const [x, yy, z] = [a[3 * v]!, a[3 * v + 1]!, a[3 * v + 2]!];
    for (let k = 0; k < 3; k++) {
      expected[3 * v + k] = r[3 * k]! * x + r[3 * k + 1]! * yy + r[3 * k + 2]! * z + t[k]!;
      displacement[3 * v + k] = a[3 * v + k]! - ex.curr[3 * v + k]!;
      weight[3 * v + k] = ex.vertMask[v]!;
    }
  }
  return {
    relError: relativeError(b, expected, a, weight),
    relToDisplacement: relativeError(b, expected, displacement, weight),
  };
}
