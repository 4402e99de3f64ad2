/**
 * From spec text to trials: parse + validate with @equiscale/sweeps (SweepSpecError names every bad field) and
 * plan the trials (equiscale.v1.Trial), each stored as is in one `trials` row. Also the extension rule: a changed spec
 * may only add cells; every cell of the stored spec must still be there, unchanged (diffSpecs).
 */
import * as sweeps from '@equiscale/sweeps';
import type { Trial } from '@equiscale/sweeps';

export interface SweepPlanRows {
  name: string;
  spec: unknown;
  specHash: string;
  maxAttempts: number;
  trials: Trial[];
}

/** Parses, validates and expands a spec; throws SweepSpecError (→ INVALID_ARGUMENT) on any problem. */
export function planFromText(text: string, format?: 'yaml' | 'json'): SweepPlanRows {
  const value = sweeps.parseSpecText(text, format);
  const plan = sweeps.planSweep(value);
  return {
    name: plan.spec.name,
    spec: plan.spec,
    specHash: plan.specHash,
    maxAttempts: plan.spec.maxAttempts,
    trials: plan.cells,
  };
}

/** Calls `refuse` with the reasons unless `next` only adds cells to `stored` (diffSpecs of @equiscale/sweeps). */
export function checkOnlyAdditions(stored: unknown, next: SweepPlanRows, refuse: (msg: string) => never): void {
  const d = sweeps.diffSpecs(stored, next.spec);
  if (!d.extendable) {
    refuse(`--extend only adds cells, but ${d.reasons.join('; ')}; launch the changed spec under a new name instead`);
  }
}
