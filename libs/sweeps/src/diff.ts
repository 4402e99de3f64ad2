/**
 * Comparing specs for "extend": a changed spec under an existing sweep name is accepted only when it adds
 * cells and leaves every existing cell (and the sweep-level settings) exactly as it was.
 */
import { defaultSweepDeps, type SweepDeps } from './deps.js';
import { canonicalJson } from './canonical.js';
import { planSweep } from './expand.js';
import type { TrialCell } from './trial.js';

export interface CellChange {
  cellKey: string;
  /** TrialCell fields whose value differs */
  fields: string[];
}

export interface CellDiff {
  /** cells of the new list whose key the old list lacks, in new-list order */
  added: TrialCell[];
  /** keys of old cells the new list lacks */
  removed: string[];
  /** cells present in both whose content differs */
  changed: CellChange[];
  unchanged: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Paths of the fields that differ, one level into sub-messages (e.g. "training.lr", "plan.nominalFlops"). */
function changedFields(a: unknown, b: unknown, prefix = '', depth = 0): string[] {
  if (!isObject(a) || !isObject(b)) return canonicalJson(a ?? null) === canonicalJson(b ?? null) ? [] : [prefix.slice(0, -1)];
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (depth < 1 && isObject(a[k]) && isObject(b[k])) out.push(...changedFields(a[k], b[k], `${prefix}${k}.`, depth + 1));
    else if (canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null)) out.push(`${prefix}${k}`);
  }
  return out;
}

/** Compare two cell lists by cellKey (e.g. the expansion of a new spec against the rows already stored). */
export function diffCells(oldCells: readonly TrialCell[], newCells: readonly TrialCell[]): CellDiff {
  const byKey = new Map(oldCells.map((c) => [c.cellKey, c] as const));
  const newKeys = new Set(newCells.map((c) => c.cellKey));
  const added: TrialCell[] = [];
  const changed: CellChange[] = [];
  let unchanged = 0;
  for (const cell of newCells) {
    const old = byKey.get(cell.cellKey);
    if (!old) {
      added.push(cell);
      continue;
    }
    const fields = changedFields(old, cell);
    if (fields.length > 0) changed.push({ cellKey: cell.cellKey, fields });
    else unchanged++;
  }
  const removed = oldCells.map((c) => c.cellKey).filter((k) => !newKeys.has(k));
  return { added, removed, changed, unchanged };
}

export interface SpecDiff extends CellDiff {
  oldHash: string;
  newHash: string;
  /** same normalized spec (same specHash) */
  identical: boolean;
  /** the new spec keeps every old cell and sweep-level setting unchanged (it may add cells) */
  extendable: boolean;
  /** sweep-level fields (not part of any cell) whose value differs: name, maxAttempts */
  settingChanges: string[];
  /** why the new spec is not an extension, one line each (empty when extendable) */
  reasons: string[];
}

const SWEEP_LEVEL = ['name', 'maxAttempts'] as const;

function listSome(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/**
 * Whether `newSpec` only adds cells to `oldSpec`. Both are validated and expanded (throws SweepSpecError
 * when either is invalid). Cells are compared by key and by every field, so a change of a default in the
 * science libs (e.g. FLOP accounting that moves iso-FLOP step counts) also shows up as a change.
 */
export function diffSpecs(oldSpec: unknown, newSpec: unknown, deps: SweepDeps = defaultSweepDeps): SpecDiff {
  const a = planSweep(oldSpec, deps);
  const b = planSweep(newSpec, deps);
  const cells = diffCells(a.cells, b.cells);
  const settingChanges = SWEEP_LEVEL.filter((k) => canonicalJson(a.spec[k]) !== canonicalJson(b.spec[k]));
  const reasons: string[] = [];
  for (const k of settingChanges) {
    reasons.push(`${k} changed from ${JSON.stringify(a.spec[k])} to ${JSON.stringify(b.spec[k])}`);
  }
  if (cells.removed.length > 0) {
    reasons.push(`${cells.removed.length} existing cells are gone: ${listSome(cells.removed)}`);
  }
  if (cells.changed.length > 0) {
    const fields = [...new Set(cells.changed.flatMap((c) => c.fields))].sort();
    reasons.push(
      `${cells.changed.length} existing cells would change (${fields.join(', ')}): ${listSome(cells.changed.map((c) => c.cellKey))}`,
    );
  }
  return {
    ...cells,
    oldHash: a.specHash,
    newHash: b.specHash,
    identical: a.specHash === b.specHash,
    extendable: reasons.length === 0,
    settingChanges: [...settingChanges],
    reasons,
  };
}
