/**
 * From spec text to trial rows: parse + validate with @equiscale/sweeps (SweepSpecError names every bad
 * field), expand into cells, and map each cell onto one `trials` row. Also the extension rule: a changed spec
 * may only add cells; every cell of the stored spec must still be there, unchanged (diffSpecs).
 */
import type { TrialRowInput } from '@equiscale/db';
import * as sweeps from '@equiscale/sweeps';
import type { TrialCell } from '@equiscale/sweeps';

export interface SweepPlanRows {
  name: string;
  spec: unknown;
  specHash: string;
  maxAttempts: number;
  trials: TrialRowInput[];
  cells: TrialCell[];
}

export function trialRow(cell: TrialCell): TrialRowInput {
  return {
    cell_key: cell.cellKey,
    family: cell.family,
    model_family: cell.modelFamily,
    augment: cell.augment,
    size_label: cell.sizeLabel,
    model_config: JSON.stringify(cell.dims),
    param_count: cell.paramCount,
    steps: cell.steps,
    train_size: cell.trainSize,
    seed: cell.seed,
    batch_size: cell.batchSize,
    nominal_flops: cell.nominalFlops,
    cell: JSON.stringify(cell),
    role: cell.role,
    branch_step: cell.branchStep,
    spent_flops: cell.spentNominalFlops,
    parent_key: cell.parent,
  };
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
    trials: plan.cells.map(trialRow),
    cells: plan.cells,
  };
}

/** Calls `refuse` with the reasons unless `next` only adds cells to `stored` (diffSpecs of @equiscale/sweeps). */
export function checkOnlyAdditions(stored: unknown, next: SweepPlanRows, refuse: (msg: string) => never): void {
  const d = sweeps.diffSpecs(stored, next.spec);
  if (!d.extendable) {
    refuse(`--extend only adds cells, but ${d.reasons.join('; ')}; launch the changed spec under a new name instead`);
  }
}
