/**
 * Reference losses of trivial predictors on a set of examples, in the models' loss (MSE over every coordinate of
 * every real vertex): "no motion" predicts the frame-t positions, "constant velocity" extrapolates the motion
 * between frames t−k and t over the horizon h. A model that does not beat them has learnt nothing useful.
 */
import type { Examples } from './types.js';

export interface BaselineLosses {
  noMotion: number;
  constantVelocity: number;
}

export function baselineLosses(ex: Examples, pastOffset: number, horizon: number): BaselineLosses {
  if (!(pastOffset > 0) || !(horizon > 0)) throw new Error('baselineLosses: pastOffset and horizon must be positive frame counts');
  const ratio = horizon / pastOffset;
  let still = 0;
  let linear = 0;
  let count = 0;
  for (let v = 0; v < ex.vertMask.length; v++) {
    if (ex.vertMask[v] === 0) continue;
    for (let d = 0; d < 3; d++) {
      const i = v * 3 + d;
      const now = ex.curr[i];
      const target = ex.target[i];
      still += (target - now) ** 2;
      linear += (target - (now + (now - ex.prev[i]) * ratio)) ** 2;
      count++;
    }
  }
  if (count === 0) throw new Error('baselineLosses: the examples have no real vertex');
  return { noMotion: still / count, constantVelocity: linear / count };
}
