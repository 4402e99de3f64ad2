/**
 * Wall time of the full 4500-start approach-3 grid fit on the 240 Chinchilla runs, and of 1000 warm-started
 * bootstrap refits, side by side with scipy's L-BFGS-B on the identical problem (same objective, analytic
 * gradient, same starts, same resamples) via /usr/bin/python3 when scipy is importable.
 * Env: BENCH_REPEATS (JS repeats, default 3), BENCH_SCIPY_STARTS (scipy grid subset size, default all 4500).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg as osLoad } from 'node:os';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { bootstrapFit, fitApproach3, fitApproach3Parallel, HOFFMANN_GRID, makeRng, parseChinchillaCsv } from '../src/index.js';

const csv = new URL('../../../../shared/data/chinchilla-fig4-epoch.csv', import.meta.url);
const runs = parseChinchillaCsv(readFileSync(csv, 'utf8'), { dropHighestLoss: 5 });
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const fmt = (s: number) => `${s.toFixed(3)} s`;
const loadavg = () => osLoad().map((x) => x.toFixed(1)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const cores = availableParallelism();
console.log(`runs: ${runs.length}; grid: 4500 starts; node ${process.version}; ${cores} cores, load average ${loadavg()}`);
const gridTimes: number[] = [];
const gridCpu: number[] = [];
let fit = fitApproach3(runs);
for (let i = 0; i < repeats; i++) {
  const c0 = process.cpuUsage();
  const t = performance.now();
  fit = fitApproach3(runs);
  gridTimes.push((performance.now() - t) / 1000);
  const c = process.cpuUsage(c0);
  gridCpu.push((c.user + c.system) / 1e6);
}
console.log(`JS grid fit:          median ${fmt(median(gridTimes))} (min ${fmt(Math.min(...gridTimes))}, ${repeats} runs after one warm-up; CPU time median ${fmt(median(gridCpu))})`);
const threads = Math.min(cores, 8);
const parTimes: number[] = [];
for (let i = 0; i < repeats; i++) {
  const t = performance.now();
  await fitApproach3Parallel(runs, { threads });
  parTimes.push((performance.now() - t) / 1000);
}
console.log(`JS grid fit, ${threads} worker threads: median ${fmt(median(parTimes))} (min ${fmt(Math.min(...parTimes))}; includes worker start-up)`);
console.log(`  E ${fit.E.toFixed(4)}  A ${fit.A.toFixed(2)}  B ${fit.B.toFixed(2)}  α ${fit.alpha.toFixed(5)}  β ${fit.beta.toFixed(5)}  objective ${fit.objective.toPrecision(6)}  converged ${fit.convergedStarts}/${fit.totalStarts}`);

const bootTimes: number[] = [];
let boot = bootstrapFit(runs, fit, { resamples: 1000, seed: 1 });
for (let i = 0; i < repeats; i++) {
  const t = performance.now();
  boot = bootstrapFit(runs, fit, { resamples: 1000, seed: 1 });
  bootTimes.push((performance.now() - t) / 1000);
}
console.log(`JS 1000 bootstrap refits (warm start): median ${fmt(median(bootTimes))} (min ${fmt(Math.min(...bootTimes))}); failed ${boot.failed}`);
console.log(`  95% CI α [${boot.intervals.alpha.lo.toFixed(3)}, ${boot.intervals.alpha.hi.toFixed(3)}]  β [${boot.intervals.beta.lo.toFixed(3)}, ${boot.intervals.beta.hi.toFixed(3)}]  E [${boot.intervals.E.lo.toFixed(3)}, ${boot.intervals.E.hi.toFixed(3)}]`);

// scipy side by side.
// The first interpreter that can import scipy: `python3` on PATH (a venv, pyenv) or Debian's /usr/bin/python3
// (python3-scipy), whichever has it — not one path preferred blindly.
const canImportScipy = (p: string) => spawnSync(p, ['-c', 'import scipy, numpy'], { encoding: 'utf8' }).status === 0;
const candidates = ['python3', ...(existsSync('/usr/bin/python3') ? ['/usr/bin/python3'] : [])];
const py = candidates.find(canImportScipy) ?? candidates[0]!;
const probe = spawnSync(py, ['-c', 'import scipy, numpy; print(scipy.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(`scipy: SKIPPED — no python3 (${candidates.join(', ')}) can import scipy (install Debian python3-scipy: apt-get install -y python3-scipy)`);
} else {
  const starts: number[][] = [];
  const G = HOFFMANN_GRID;
  for (const a of G.a) for (const b of G.b) for (const e of G.e) for (const al of G.alpha) for (const be of G.beta) starts.push([a, b, e, al, be]);
  const nStarts = Math.min(Number(process.env.BENCH_SCIPY_STARTS ?? starts.length), starts.length);
  const rng = makeRng(1);
  const resamples = Array.from({ length: 1000 }, () => {
    const w = new Array<number>(runs.length).fill(0);
    for (let i = 0; i < runs.length; i++) w[rng.int(runs.length)]++;
    return w;
  });
  const input = JSON.stringify({
    lnN: runs.map((r) => Math.log(r.n)),
    lnD: runs.map((r) => Math.log(r.d)),
    lnL: runs.map((r) => Math.log(r.loss)),
    starts: starts.slice(0, nStarts),
    start: [fit.a, fit.b, fit.e, fit.alpha, fit.beta],
    resamples,
  });
  const script = fileURLToPath(new URL('./scipy_fit.py', import.meta.url));
  const r = spawnSync(py, [script], { input, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) console.log(`scipy: FAILED — ${r.stderr.trim().split('\n').pop()}`);
  else {
    const s = JSON.parse(r.stdout);
    const scale = starts.length / nStarts;
    console.log(`scipy ${probe.stdout.trim()} L-BFGS-B grid fit (${nStarts} starts${scale > 1 ? `, scaled ×${scale.toFixed(1)} to 4500` : ''}): ${fmt(s.grid_s * scale)}  converged ${s.converged}/${nStarts}`);
    console.log(`  E ${s.E.toFixed(4)}  A ${s.A.toFixed(2)}  B ${s.B.toFixed(2)}  α ${s.alpha.toFixed(5)}  β ${s.beta.toFixed(5)}  objective ${s.objective.toPrecision(6)}`);
    console.log(`scipy 1000 bootstrap refits (warm start, same tolerances): ${fmt(s.boot_s)}  ok ${s.boot_ok}`);
    console.log(`load average now ${loadavg()}`);
    console.log(`ratio scipy/JS: grid ${((s.grid_s * scale) / median(gridTimes)).toFixed(1)}×, bootstrap ${(s.boot_s / median(bootTimes)).toFixed(1)}×`);
  }
}
