import { Option, type Command } from 'commander';
import type { TrialRecord } from '@equiscale/sweeps';
import { UsageError } from '../errors.js';
import { addDatabaseOptions, fmtNum, openDb, textTable, type DatabaseFlags } from './common.js';

export const RESULT_COLUMNS = [
  'trial_id', 'cell_key', 'family', 'model_family', 'augment', 'size_label', 'param_count', 'steps', 'train_size', 'seed',
  'batch_size', 'nominal_flops', 'status', 'attempt', 'train_loss', 'val_loss', 'test_loss', 'wall_time_s', 'backend', 'error',
  // WSD sweeps: role ('run' | 'trunk' | 'branch'), a branch's trunk trial id and the trunk step it starts from
  // (null for independent runs and trunks), and the nominal FLOPs the sweep spent (a branch: its cooldown)
  'role', 'parent', 'branchStep', 'spent_flops',
  // early stopping (eval.earlyStopping): the steps trained when training ended, the step whose parameters the losses
  // are of (best on validation), and whether the patience ran out before the step cap (null: no early stopping, or
  // a trial finished before it was recorded)
  'stopped_step', 'best_step', 'stopped_early',
] as const;

export type ResultRow = Record<(typeof RESULT_COLUMNS)[number], string | number | boolean | null>;

/** One trial record as a flat row of the columns above (the trial's own fields plus its state and results). */
export function resultRow(r: TrialRecord): ResultRow {
  const t = r.trial;
  return {
    trial_id: r.id, cell_key: t.cellKey, family: t.family, model_family: t.modelFamily, augment: t.augment,
    size_label: t.sizeLabel, param_count: t.plan.paramCount, steps: t.steps, train_size: t.trainSize, seed: t.seed,
    batch_size: t.training.batchSize, nominal_flops: t.plan.nominalFlops, status: r.status, attempt: r.attempt,
    train_loss: r.trainLoss, val_loss: r.valLoss, test_loss: r.testLoss, wall_time_s: r.wallTimeS,
    backend: r.backend, error: r.error,
    role: t.role ?? 'run', parent: r.parentId, branchStep: t.branchStep ?? null, spent_flops: t.plan.spentNominalFlops ?? t.plan.nominalFlops,
    stopped_step: r.stopping?.stoppedStep ?? null, best_step: r.stopping?.bestStep ?? null, stopped_early: r.stopping?.stoppedEarly ?? null,
  };
}

/** Loads a sweep's trials as flat result rows (from the database). */
export async function loadResults(f: DatabaseFlags, name: string): Promise<ResultRow[]> {
  const conn = await openDb(f);
  try {
    const { getSweepByName, listTrialRecords } = await import('@equiscale/db');
    const sweep = await getSweepByName(conn.db, name);
    if (!sweep) throw new UsageError(`no sweep named "${name}" in ${conn.describe}; list sweeps with \`equiscale sweep status\` or check DATABASE_URL`);
    return (await listTrialRecords(conn.db, sweep.id, { limit: 1_000_000 })).map(resultRow);
  } finally {
    await conn.close();
  }
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatResults(rows: ResultRow[], format: 'table' | 'csv' | 'json'): string {
  if (format === 'json') return JSON.stringify(rows, null, 2);
  if (format === 'csv') return [RESULT_COLUMNS.join(','), ...rows.map((r) => RESULT_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n');
  return textTable(
    ['id', 'family', 'size', 'params', 'steps', 'n_train', 'seed', 'FLOPs', 'status', 'train', 'val', 'test'],
    rows.map((r) => [
      r.trial_id as number, r.family as string, r.size_label as string, r.param_count as number, r.steps as number,
      r.train_size as number, r.seed as number, fmtNum(r.nominal_flops as number, 3), r.status as string,
      fmtNum(r.train_loss as number | null), fmtNum(r.val_loss as number | null), fmtNum(r.test_loss as number | null),
    ]),
  );
}

export function registerResultsCommand(program: Command): void {
  addDatabaseOptions(
    program
      .command('results <name>')
      .description("a sweep's trials and their losses, from the results database")
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table')),
  ).action(async (name: string, o: DatabaseFlags & { format: 'table' | 'csv' | 'json' }) => {
    const rows = await loadResults(o, name);
    console.log(formatResults(rows, o.format));
  });
}
