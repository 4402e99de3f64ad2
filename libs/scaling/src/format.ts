import type { FamilyFitResult } from './fit-families.js';
import type { Interval } from './rng.js';

const num = (v: number): string => {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(5)).toString();
};
const ci = (i: Interval | undefined): string => (i ? `[${num(i.lo)}, ${num(i.hi)}]` : '');

/**
 * Plain-text table of family fits: one line per family with E, A, B, α, β, allocation exponent a = β/(α+β),
 * objective, converged starts; a second line with bootstrap intervals when present; flags below.
 */
export function formatFitTable(results: readonly FamilyFitResult[]): string {
  const head = ['family', 'runs', 'E', 'A', 'B', 'alpha', 'beta', 'a=b/(a+b)', 'objective', 'converged'];
  const rows: string[][] = [head];
  const notes: string[] = [];
  for (const r of results) {
    const f = r.fit;
    rows.push([r.family, String(f.nRuns), num(f.E), num(f.A), num(f.B), num(f.alpha), num(f.beta), num(r.allocation.a), num(f.objective), `${f.convergedStarts}/${f.totalStarts}`]);
    const b = r.bootstrap;
    if (b) {
      const iv = b.intervals;
      rows.push([`  ${Math.round(b.level * 100)}% CI`, `n=${b.resamples - b.failed}`, ci(iv.E), ci(iv.A), ci(iv.B), ci(iv.alpha), ci(iv.beta), ci(iv.allocationA), '', '']);
    }
    if (!f.identifiable) notes.push(`${r.family}: NOT IDENTIFIABLE — ${f.reasons.join('; ')}`);
    if (r.crossCheck?.disagree) notes.push(`${r.family}: ${r.crossCheck.message}`);
    if (b && b.failed > 0) notes.push(`${r.family}: ${b.failed} of ${b.resamples} bootstrap refits did not converge (excluded)`);
  }
  const widths = head.map((_, j) => Math.max(...rows.map((row) => (row[j] ?? '').length)));
  const line = (row: string[]) => row.map((c, j) => (j < 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), sep, ...rows.slice(1).map(line), ...(notes.length ? ['', ...notes] : [])].join('\n') + '\n';
}
