/**
 * Learning-rate schedules. `step` is the 1-based number of the update being taken (1..steps).
 * - cosine: linear warmup to peak over warmupSteps, then cosine decay to peak*minRatio at the last step.
 * - constant-cooldown: warmup, constant peak, then linear decay to peak*minRatio over the last
 *   cooldownFraction of the steps.
 * - wsd (warmup-stable-decay): warmup, constant peak up to the branch step wsdBranchStep(steps, f), then decay
 *   to zero over the remaining steps, linear or 1 - sqrt (Hägele et al. 2024). With f = 0 it is the constant
 *   trunk of a WSD sweep; a branch of S steps resumes the trunk's checkpoint at wsdBranchStep(S, f), and up to
 *   that step both schedules give the same rates, so the branch continues the trunk exactly.
 */
import type { LrSchedule } from '../api.js';

export function checkSchedule(s: LrSchedule, steps: number): void {
  if (!(s.peak > 0 && Number.isFinite(s.peak))) throw new Error(`lr.peak must be a finite number > 0 (got ${s.peak})`);
  if (s.kind !== 'cosine' && s.kind !== 'constant-cooldown' && s.kind !== 'wsd') {
    throw new Error(`lr.kind must be "cosine", "constant-cooldown" or "wsd" (got "${String(s.kind)}")`);
  }
  if (s.cooldownShape !== undefined && s.cooldownShape !== 'linear' && s.cooldownShape !== '1-sqrt') {
    throw new Error(`lr.cooldownShape must be "linear" or "1-sqrt" (got "${String(s.cooldownShape)}")`);
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

/** The last step of a WSD run of `steps` steps at constant rate: the branch point, round((1 - f) * steps). */
export function wsdBranchStep(steps: number, cooldownFraction: number): number {
  return Math.round((1 - cooldownFraction) * steps);
}

/** WSD cooldown factor at progress p in (0, 1] of the decay: 1 at the branch point, 0 at the last step. */
export function wsdCooldownFactor(shape: 'linear' | '1-sqrt' | undefined, p: number): number {
  const q = Math.min(1, Math.max(0, p));
  return shape === '1-sqrt' ? 1 - Math.sqrt(q) : 1 - q;
}

export function learningRate(s: LrSchedule, step: number, steps: number): number {
  if (s.warmupSteps > 0 && step <= s.warmupSteps) return (s.peak * step) / s.warmupSteps;
  if (s.kind === 'cosine') {
    const span = Math.max(1, steps - s.warmupSteps);
    const p = Math.min(1, (step - s.warmupSteps) / span);
    return s.peak * (s.minRatio + (1 - s.minRatio) * 0.5 * (1 + Math.cos(Math.PI * p)));
  }
  if (s.kind === 'wsd') {
    const start = wsdBranchStep(steps, s.cooldownFraction);
    if (step <= start) return s.peak;
    return s.peak * wsdCooldownFactor(s.cooldownShape, (step - start) / (steps - start));
  }
  const cooldown = Math.round(s.cooldownFraction * steps);
  const start = steps - cooldown;
  if (cooldown === 0 || step <= start) return s.peak;
  return s.peak * (1 - ((1 - s.minRatio) * (step - start)) / cooldown);
}
