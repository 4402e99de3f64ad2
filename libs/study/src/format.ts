/** The fits of a study as a text table (`equiscale fit`): per family the law with intervals, a, and the status. */
import type { StudyFamilyFit } from '@equiscale/scaling';

const num = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x));
const cell = (v: number, iv?: { lo: number; hi: number }) => (iv && Number.isFinite(iv.lo) ? `${num(v)} [${num(iv.lo, 3)}, ${num(iv.hi, 3)}]` : num(v));

export function formatStudyFits(fits: readonly StudyFamilyFit[]): string {
  const head = ['family', 'runs', 'seeds', 'E', 'A', 'B', 'alpha', 'beta', 'a (N_opt ∝ C^a)'];
  const rows = fits.map((f) => {
    const b = f.bootstrap.resamples > 0 ? f.bootstrap.intervals : undefined;
    return [f.family, String(f.nRuns), String(f.seeds), cell(f.fit.E, b?.E), cell(f.fit.A, b?.A), cell(f.fit.B, b?.B), cell(f.fit.alpha, b?.alpha), cell(f.fit.beta, b?.beta), cell(f.allocation.a.estimate, f.allocation.a.interval ?? undefined)];
  });
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line), ''];
  for (const f of fits) out.push(`${f.family}: ${f.status.summary}`);
  return out.join('\n');
}
