/**
 * `equiscale sweep plan SPEC [--json]`: the dry run of a sweep. Validates the spec exactly as `sweep launch`
 * does (the coordinator runs the same planSweep, so the field-named errors are the same), expands it into its
 * cells (WSD trunks and branches with their dependencies), and prints cells, totals and an estimated duration,
 * without a database or a coordinator.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseSpecText, planSweep, planTotals, type PlanTotals, type Trial } from '@equiscale/sweeps';
import { parsePositiveInt, UsageError } from '../errors.js';
import { fmtNum, formatDuration, textTable } from './common.js';

/**
 * Executed FLOPs a worker gets through per second, and the fixed cost of a trial (claim, dataset, evaluations),
 * fitted to the demo's measured wall times (apps/cli/src/demo/specs.ts, cosine presets, 2 workers on this 2-core
 * machine): the full demo, 4.57e12 executed FLOPs in 54 trials, took 6.0 min → ≈ 6.3e9 FLOPs/s per worker;
 * the quick one, 6.3e10 FLOPs in 27 trials, about 20 s → ≈ 1.3 s per trial of overhead. A rough guide only.
 */
export const PLAN_EXECUTED_FLOPS_PER_S = 6.3e9;
export const PLAN_TRIAL_OVERHEAD_S = 1.3;

/** One planned trial as `sweep plan --json` lists it (a flat view of the Trial; the documented fields). */
export interface PlanCell {
  key: string;
  family: string;
  sizeLabel: string;
  paramCount: number;
  steps: number;
  trainSize: number;
  seed: number;
  role: 'run' | 'trunk' | 'branch';
  /** nominal FLOPs the sweep spends on the cell (a branch: its cooldown only) */
  plannedFlops: number;
  /** nominal FLOPs of the same cell trained as an independent run (what the fits use) */
  equivalentFlops: number;
  /** the trunk cell's key for a WSD branch; null for trunks and independent cells */
  parent: string | null;
  branchStep: number | null;
  /** a trunk's branch points (checkpoints kept for its branches) */
  checkpointAt: number[];
  flopBudget: number | null;
}

export const planCell = (c: Trial): PlanCell => ({
  key: c.cellKey,
  family: c.family,
  sizeLabel: c.sizeLabel,
  paramCount: c.plan.paramCount,
  steps: c.steps,
  trainSize: c.trainSize,
  seed: c.seed,
  role: c.role ?? 'run',
  plannedFlops: c.plan.spentNominalFlops ?? c.plan.nominalFlops,
  equivalentFlops: c.plan.nominalFlops,
  parent: c.parent ?? null,
  branchStep: c.branchStep ?? null,
  checkpointAt: c.training.checkpointAt,
  flopBudget: c.plan.flopBudget ?? null,
});

export interface PlanOutput {
  name: string;
  specHash: string;
  cells: PlanCell[];
  totals: PlanTotals & { executedFlops: number; dropped: number };
  estimatedMinutes: number;
  workers: number;
}

/** The plan of a spec text; throws SweepSpecError (field-named) on a bad spec. */
export function planOutput(text: string, format: 'yaml' | 'json' | undefined, workers = 1): PlanOutput {
  const plan = planSweep(parseSpecText(text, format));
  // executed FLOPs actually run: a branch runs only its cooldown steps
  const executedFlops = plan.cells.reduce((a, c) => a + (c.plan.executedFlops * (c.plan.spentNominalFlops ?? c.plan.nominalFlops)) / c.plan.nominalFlops, 0);
  const seconds = (executedFlops / PLAN_EXECUTED_FLOPS_PER_S + PLAN_TRIAL_OVERHEAD_S * plan.cells.length) / workers;
  return {
    name: plan.spec.name,
    specHash: plan.specHash,
    cells: plan.cells.map(planCell),
    totals: { ...planTotals(plan.cells), executedFlops, dropped: plan.dropped.length },
    estimatedMinutes: Math.round((seconds / 60) * 10) / 10,
    workers,
  };
}

export function formatPlan(p: PlanOutput): string {
  const t = p.totals;
  const lines = [
    `sweep ${p.name}: ${t.cells} trials (${t.runs} independent, ${t.trunks} WSD trunks, ${t.branches} branches), ${t.points} fit points` +
      (t.dropped ? `, ${t.dropped} iso-FLOP cells dropped` : ''),
    textTable(
      ['cell', 'role', 'params', 'steps', 'n_train', 'seed', 'planned FLOPs', 'as a run', 'parent', 'from step'],
      p.cells.map((c) => [
        c.key, c.role, c.paramCount, c.steps, c.trainSize, c.seed, fmtNum(c.plannedFlops, 3), fmtNum(c.equivalentFlops, 3),
        c.parent ?? '', c.branchStep ?? (c.checkpointAt.length ? `ckpt ${c.checkpointAt.join(',')}` : ''),
      ]),
    ),
    `planned ${fmtNum(t.plannedFlops, 3)} nominal FLOPs; as independent runs ${fmtNum(t.independentFlops, 3)}` +
      (t.trunks ? ` (${t.saving.toFixed(2)}× fewer FLOPs with WSD branches)` : ''),
    `estimated ${formatDuration(p.estimatedMinutes * 60)} with ${p.workers} worker${p.workers === 1 ? '' : 's'} ` +
      `(at ${fmtNum(PLAN_EXECUTED_FLOPS_PER_S, 2)} executed FLOPs/s and ${PLAN_TRIAL_OVERHEAD_S} s per trial, measured on the demo)`,
  ];
  return lines.join('\n');
}

export function registerSweepPlanCommand(sweep: Command): void {
  sweep
    .command('plan <spec>')
    .description('dry run: validate a spec and list its trials (WSD trunks and branches), planned FLOPs and an estimated time; no database or coordinator')
    .option('--json', 'print JSON: { cells, totals, estimatedMinutes }')
    .option('--workers <n>', 'workers for the time estimate', '1')
    .action((specPath: string, o: { json?: boolean; workers: string }) => {
      const workers = parsePositiveInt('--workers', o.workers);
      let text: string;
      try {
        text = readFileSync(specPath, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read spec file ${specPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const format = /\.json$/i.test(specPath) ? 'json' : /\.ya?ml$/i.test(specPath) ? 'yaml' : undefined;
      let out: PlanOutput;
      try {
        out = planOutput(text, format, workers);
      } catch (e) {
        if (e instanceof Error && e.name === 'SweepSpecError') throw new UsageError(`sweep plan: ${e.message}`);
        throw e;
      }
      console.log(o.json ? JSON.stringify(out, null, 2) : formatPlan(out));
    });
}
