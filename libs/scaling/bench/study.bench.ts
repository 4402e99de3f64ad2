/**
 * Wall and CPU time of the whole study analysis (analyzeStudy) on planted-law runs: 3 families × ~500
 * compute-scaling runs (7 sizes × 24 budgets × 3 seeds) plus data-scaling runs, 200 seed-grouped bootstrap
 * resamples per fit, the full 4500-start grid per family; then the sensitivity analysis (4 more conventions,
 * warm-started refits). Target: the analysis well under a minute on one core. Env: BENCH_RESAMPLES (default 200).
 */
import { loadavg } from 'node:os';
import { analyzeStudy, logSpace, sensitivityAnalysis } from '../src/index.js';
import { plantedStudy, ROLES } from '../src/study/study-fixtures.js';

const resamples = Number(process.env.BENCH_RESAMPLES ?? 200);
const st = plantedStudy({ sizes: logSpace(1.8e4, 5.5e5, 7), budgets: logSpace(6e9, 6e11, 24), extraFamilies: ['transformer+aug'], rng: 3 });
const fams = new Set(st.compute.map((r) => r.family)).size;
console.log(`compute runs: ${st.compute.length} (${fams} families, ${st.compute.length / fams} each); data runs: ${st.data.length}; resamples: ${resamples}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const timed = <T>(what: string, f: () => T): T => {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const out = f();
  const c = process.cpuUsage(c0);
  console.log(`${what}: wall ${((performance.now() - t) / 1000).toFixed(2)} s, CPU ${((c.user + c.system) / 1e6).toFixed(2)} s`);
  return out;
};
const steps: Record<string, number> = {};
let last = performance.now();
const a = timed('analyzeStudy (full grid, 3 families)', () =>
  analyzeStudy(st, {
    roles: ROLES,
    resamples,
    onProgress: (s) => {
      const now = performance.now();
      steps[s] = now;
      last = now;
    },
  }),
);
void last;
const keys = Object.keys(steps);
console.log('  steps (s since previous step start): ' + keys.slice(1).map((k, i) => `${keys[i]} ${((steps[k] - steps[keys[i]]) / 1000).toFixed(2)}`).join(', '));
console.log('  verdicts: ' + a.claims.map((c) => `${c.id} ${c.verdict}`).join('; ') + '; fits: ' + a.families.map((f) => `${f.family} ${f.status.status}`).join(', '));
const s = timed('sensitivityAnalysis (4 variants, baseline reused)', () =>
  sensitivityAnalysis(
    st,
    { flops: { nominal: (r) => r.flops, wallclock: (r) => r.flops * (r.family === 'gatr' ? 1.3 : 1) }, n: { total: (r) => r.n, nonEmbedding: (r) => r.n * 0.95 } },
    { roles: ROLES, resamples },
    a,
  ),
);
console.log('  ' + s.summary);
