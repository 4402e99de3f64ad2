import type { Run } from './runs.js';

/** Splits CSV text into rows of cells (RFC 4180 quoting; comma separator; blank lines skipped). */
export function splitCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const pushRow = () => {
    row.push(cell);
    cell = '';
    if (!(row.length === 1 && row[0].trim() === '')) rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      pushRow();
    } else cell += ch;
    i++;
  }
  if (cell !== '' || row.length > 0) pushRow();
  return rows;
}

function header(rows: string[][], what: string): Map<string, number> {
  if (rows.length === 0) throw new Error(`${what}: the CSV is empty; expected a header row and one row per run`);
  const map = new Map<string, number>();
  rows[0].forEach((h, j) => map.set(h.trim().replace(/^\uFEFF/, ''), j));
  return map;
}

/** A cell as it may appear in a one-line error: control characters shown as escapes, long text cut. */
function quoteCell(raw: string, max = 40): string {
  const cut = raw.length > max ? `${raw.slice(0, max)}…` : raw;
  // JSON.stringify escapes C0 controls, quotes and lone surrogates; the remaining line breakers become '?'.
  return JSON.stringify(cut.replace(/[\u007f-\u009f\u2028\u2029]/g, '?'));
}

function numberCell(rows: string[][], r: number, col: number, name: string, fix: string): number {
  const raw = (rows[r][col] ?? '').trim();
  const line = r + 1;
  if (raw === '') throw new Error(`CSV row ${line} (data row ${r}), column "${name}": empty; ${fix}`);
  const v = Number(raw);
  if (Number.isNaN(v)) throw new Error(`CSV row ${line} (data row ${r}), column "${name}": ${quoteCell(raw)} is not a number; ${fix}`);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`CSV row ${line} (data row ${r}), column "${name}": ${raw} must be a positive finite number; ${fix}`);
  return v;
}

/**
 * Parses runs from CSV with columns `n` (parameters), `d` (training samples or tokens), `loss`, optional
 * `family`, optional `c` (training FLOPs). Column names are case-sensitive; extra columns are ignored.
 * Throws an error naming the row, the column and the fix for missing columns and bad values.
 */
export function parseRunsCsv(text: string): Run[] {
  const rows = splitCsv(text);
  const h = header(rows, 'parseRunsCsv');
  const missing = ['n', 'd', 'loss'].filter((c) => !h.has(c));
  if (missing.length)
    throw new Error(
      `CSV header is missing column(s) ${missing.map((m) => `"${m}"`).join(', ')}: the header must contain n (parameters), d (training samples or tokens), loss, and optionally family and c (FLOPs); found ${rows[0].slice(0, 8).map((x) => quoteCell(x.trim())).join(', ')}${rows[0].length > 8 ? `, … (${rows[0].length} columns)` : ''}`,
    );
  if (rows.length < 2) throw new Error('CSV has a header but no runs: add one row per training run');
  const fam = h.get('family');
  const cCol = h.get('c');
  const fix = 'give a positive number or remove the row';
  const out: Run[] = [];
  for (let r = 1; r < rows.length; r++) {
    const run: Run = {
      n: numberCell(rows, r, h.get('n')!, 'n', fix),
      d: numberCell(rows, r, h.get('d')!, 'd', fix),
      loss: numberCell(rows, r, h.get('loss')!, 'loss', fix),
    };
    if (fam !== undefined) {
      const f = (rows[r][fam] ?? '').trim();
      if (f !== '') run.family = f;
    }
    if (cCol !== undefined && (rows[r][cCol] ?? '').trim() !== '') run.c = numberCell(rows, r, cCol, 'c', 'give positive FLOPs or leave the cell empty');
    out.push(run);
  }
  return out;
}

export interface ChinchillaCsvOptions {
  /** Drop this many highest-loss runs (Epoch dropped 5). Default 0. */
  dropHighestLoss?: number;
  /** FLOPs per parameter per token in C = κ·N·D. Default 6. */
  kappa?: number;
}

/**
 * Loads the Chinchilla figure-4 extraction of Epoch (columns `Model Size`, `Training FLOP`, `loss`),
 * with d = C/(κ·n), κ = 6. With dropHighestLoss = k, keeps runs whose loss is below the k-th largest loss.
 */
export function parseChinchillaCsv(text: string, opts: ChinchillaCsvOptions = {}): Run[] {
  const rows = splitCsv(text);
  const h = header(rows, 'parseChinchillaCsv');
  const need = ['Model Size', 'Training FLOP', 'loss'];
  const missing = need.filter((c) => !h.has(c));
  if (missing.length)
    throw new Error(`Chinchilla CSV is missing column(s) ${missing.map((m) => `"${m}"`).join(', ')}: expected the columns "Model Size", "Training FLOP", "loss" of Epoch's svg_extracted_data.csv`);
  const kappa = opts.kappa ?? 6;
  const fix = 'the Chinchilla file must hold positive numbers';
  let runs: Run[] = [];
  for (let r = 1; r < rows.length; r++) {
    const n = numberCell(rows, r, h.get('Model Size')!, 'Model Size', fix);
    const c = numberCell(rows, r, h.get('Training FLOP')!, 'Training FLOP', fix);
    const loss = numberCell(rows, r, h.get('loss')!, 'loss', fix);
    runs.push({ n, d: c / (kappa * n), loss, c });
  }
  const k = opts.dropHighestLoss ?? 0;
  if (k > 0) {
    const sorted = runs.map((r) => r.loss).sort((x, y) => y - x);
    const threshold = sorted[Math.min(k, sorted.length) - 1];
    runs = runs.filter((r) => r.loss < threshold);
  }
  return runs;
}
