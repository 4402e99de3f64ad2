/**
 * The constant-velocity baseline both families build on: every model predicts
 *   curr + motionGain * (curr - prev) + (its learned displacement),
 * with motionGain fitted once per trial, in closed form, on the TRAINING set (least squares over real
 * vertices: the ratio horizon / pastOffset is not part of the Examples, and collisions and gravity make the
 * best gain differ from it). The gain is a scalar times a difference of points, so the baseline is exactly
 * E(3)-equivariant; it is deterministic in the training data, so a resumed trial recomputes the same value.
 */
import type { Examples } from '@equiscale/rigid-body';

/** argmin_a sum over real vertices |target - curr - a (curr - prev)|^2 (0 when nothing moves). */
export function fitMotionGain(ex: Examples): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ex.vertMask.length; i++) {
    if (ex.vertMask[i] === 0) continue;
    for (let d = 0; d < 3; d++) {
      const j = 3 * i + d;
      const u = ex.curr[j]! - ex.prev[j]!;
      num += u * (ex.target[j]! - ex.curr[j]!);
      den += u * u;
    }
  }
  const gain = den > 0 ? num / den : 0;
  return Number.isFinite(gain) ? gain : 0;
}

/** Masked MSE of curr + gain (curr - prev) against the target (the baseline's loss; gain 0 = "no motion"). */
export function motionBaselineLoss(ex: Examples, gain: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < ex.vertMask.length; i++) {
    if (ex.vertMask[i] === 0) continue;
    for (let d = 0; d < 3; d++) {
      const j = 3 * i + d;
      sum += (ex.curr[j]! + gain * (ex.curr[j]! - ex.prev[j]!) - ex.target[j]!) ** 2;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}
