/**
 * Learning-rate schedules. `step` is the 1-based number of the update being taken (1..steps).
 * - cosine: linear warmup to peak over warmupSteps, then cosine decay to peak*minRatio at the last step.
 * - constant-cooldown: warmup, constant peak, then linear decay to peak*minRatio over the last
 *   cooldownFraction of the steps.
 */
import type { LrSchedule } from '../api.js';

export function checkSchedule(s: LrSchedule, steps: number): void {
  if (!(s.peak > 0 && Number.isFinite(s.peak))) throw new Error(`lr.peak must be a finite number > 0 (got ${s.peak})`);
  if (s.kind !== 'cosine' && s.kind !== 'constant-cooldown') {
    throw new Error(`lr.kind must be "cosine" or "constant-cooldown" (got "${String(s.kind)}")`);
  }
  if (!(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0)) {
    throw new Error(`lr.warmupSteps must be an integer >= 0 (got ${s.warmupSteps})`);
  }
  if (s.warmupSteps > steps) throw new Error(`lr.warmupSteps (${s.warmupSteps}) must not exceed steps (${steps})`);
  if (!(s.minRatio >= 0 && s.minRatio <= 1)) throw new Error(`lr.minRatio must be in [0, 1] (got ${s.minRatio})`);
  if (!(s.cooldownFraction >= 0 && s.cooldownFraction <= 1)) {
    throw new Error(`lr.cooldownFraction must be in [0, 1] (got ${s.cooldownFraction})`);
  }
}

export function learningRate(s: LrSchedule, step: number, steps: number): number {
  if (s.warmupSteps > 0 && step <= s.warmupSteps) return (s.peak * step) / s.warmupSteps;
  if (s.kind === 'cosine') {
    const span = Math.max(1, steps - s.warmupSteps);
    const p = Math.min(1, (step - s.warmupSteps) / span);
    return s.peak * (s.minRatio + (1 - s.minRatio) * 0.5 * (1 + Math.cos(Math.PI * p)));
  }
  const cooldown = Math.round(s.cooldownFraction * steps);
  const start = steps - cooldown;
  if (cooldown === 0 || step <= start) return s.peak;
  return s.peak * (1 - ((1 - s.minRatio) * (step - start)) / cooldown);
}
