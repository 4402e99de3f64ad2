/**
 * The demo's wall time, the figures README.md quotes: `equiscale demo --quick` and the full `equiscale demo`, each
 * from an empty state directory (a fresh embedded database and dataset cache) in a temporary folder, with the
 * default number of workers. Prints minutes; asserts nothing. BENCH_DEMO_FULL=0 skips the full study (~6-9 min).
 * First it prints each demo sweep's compute with and without WSD branches (the planner's totals, no training).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSweep, planTotals } from '@equiscale/sweeps';
import { demoStudy } from '../src/demo/specs.js';

const BIN = new URL('../bin/equiscale.mjs', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'equiscale-demo-bench-'));
for (const preset of ['quick', 'demo'] as const) {
  const cells = demoStudy(preset).stages.flatMap((stage) => stage(new Map())).flatMap((sw) => planSweep(sw.spec).cells);
  const t = planTotals(cells);
  console.log(
    `${preset === 'quick' ? 'demo --quick' : 'demo'}: ${t.cells} trials (${t.trunks} WSD trunks, ${t.branches} branches, ${t.runs} independent), ` +
      `${t.points} fit points; planned ${t.plannedFlops.toExponential(3)} nominal FLOPs, as independent runs ${t.independentFlops.toExponential(3)} ` +
      `(${t.saving.toFixed(2)}× fewer with WSD branches)`,
  );
}
try {
  console.log(`${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the start`);
  for (const [label, args] of [
    ['demo --quick (36 tiny trials)', ['--quick']],
    ...(process.env.BENCH_DEMO_FULL === '0' ? [] : [['demo (72 trials)', []] as [string, string[]]]),
  ] as [string, string[]][]) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'demo', ...args, '--quiet', '--state-dir', 'state', '--out', 'out'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '' },
    });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0) console.log(`${label}: FAILED (exit ${r.status}): ${r.stderr.slice(-500)}`);
    else console.log(`${label.padEnd(32)} ${(s / 60).toFixed(1)} min (${s.toFixed(0)} s) from an empty state directory, incl. start-up, report and figures`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
