import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { addDatabaseOptions, fmtNum, openDb, textTable, type DatabaseFlags } from './common.js';

export const RESULT_COLUMNS = [
  'trial_id', 'cell_key', 'family', 'model_family', 'augment', 'size_label', 'param_count', 'steps', 'train_size', 'seed',
  'batch_size', 'nominal_flops', 'status', 'attempt', 'train_loss', 'val_loss', 'test_loss', 'wall_time_s', 'backend', 'error',
  // WSD sweeps: role ('run' | 'trunk' | 'branch'), a branch's trunk trial id and the trunk step it starts from
  // (null for independent runs and trunks), and the nominal FLOPs the sweep spent (a branch: its cooldown)
  'role', 'parent', 'branchStep', 'spent_flops',
] as const;

export type ResultRow = Record<(typeof RESULT_COLUMNS)[number], string | number | boolean | null>;

/** Loads a sweep's trials as flat result rows (from the database). */
export async function loadResults(f: DatabaseFlags, name: string): Promise<ResultRow[]> {
  const conn = await openDb(f);
  try {
    const { getSweepByName, listTrials } = await import('@equiscale/db');
    const sweep = await getSweepByName(conn.db, name);
    if (!sweep) throw new UsageError(`no sweep named "${name}" in ${conn.describe}; list sweeps with \`equiscale sweep status\` or check DATABASE_URL`);
    const trials = await listTrials(conn.db, sweep.id, { limit: 1_000_000 });
    return trials.map((t) => ({
      trial_id: t.id, cell_key: t.cell_key, family: t.family, model_family: t.model_family, augment: t.augment,
      size_label: t.size_label, param_count: t.param_count, steps: t.steps, train_size: t.train_size, seed: t.seed,
      batch_size: t.batch_size, nominal_flops: t.nominal_flops, status: t.status, attempt: t.attempt,
      train_loss: t.train_loss, val_loss: t.val_loss, test_loss: t.test_loss, wall_time_s: t.wall_time_s,
      backend: t.backend, error: t.error,
      role: t.role, parent: t.parent_id === null ? null : Number(t.parent_id), branchStep: t.branch_step, spent_flops: t.spent_flops,
    }));
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
