import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitApproach3, gridSearch, HuberLogObjective, type LawParams } from './approach3.js';
import { bootstrapFit, WARM_START_LBFGS } from './bootstrap.js';
import { logSpace } from './frontier.js';
import { LbfgsWorkspace } from './lbfgs.js';
import { makeRng } from './rng.js';
import { synthesizeRuns } from './synthetic.js';

const LAW: LawParams = { E: 0.5, A: 2000, B: 50, alpha: 0.7, beta: 0.25 };
const GRID = { a: [0, 5, 10], b: [0, 5], e: [-2, 0], alpha: [0.5, 1], beta: [0.5] };
const design = { nSizes: logSpace(1e5, 1e8, 6), dSizes: logSpace(1e5, 1e9, 6), noise: 0.02 };

// Coverage of percentile intervals over 40 independent data sets × 100 warm-started resamples each.
// Nominal 80%: the count of covering intervals is Binomial(40, 0.8) if calibrated (mean 32, sd 2.5); we accept
// 26–39 of 40 (65%–97.5%) for each of E, α, β, A, B. At nominal 95% we require at least 34 of 40.
test('bootstrap percentile intervals cover the planted law at about their nominal rate', () => {
  const rng = makeRng(11);
  const keys = ['E', 'alpha', 'beta', 'A', 'B'] as const;
  const cover80 = Object.fromEntries(keys.map((k) => [k, 0])) as Record<(typeof keys)[number], number>;
  const cover95 = { ...cover80 };
  for (let rep = 0; rep < 40; rep++) {
    const runs = synthesizeRuns(LAW, { ...design, rng });
    const fit = fitApproach3(runs, { grid: GRID });
    const b80 = bootstrapFit(runs, fit, { resamples: 100, seed: rep + 1, level: 0.8 });
    const b95 = bootstrapFit(runs, fit, { resamples: 100, seed: rep + 1, level: 0.95 });
    for (const k of keys) {
      if (b80.intervals[k].lo <= LAW[k] && LAW[k] <= b80.intervals[k].hi) cover80[k]++;
      if (b95.intervals[k].lo <= LAW[k] && LAW[k] <= b95.intervals[k].hi) cover95[k]++;
    }
  }
  for (const k of keys) {
    assert.ok(cover80[k] >= 26 && cover80[k] <= 39, `80% intervals of ${k} covered the truth ${cover80[k]}/40 times`);
    assert.ok(cover95[k] >= 34, `95% intervals of ${k} covered the truth ${cover95[k]}/40 times`);
  }
});

test('a warm-started refit reaches the same optimum as a full-grid refit of the same resample', () => {
  const runs = synthesizeRuns(LAW, { ...design, rng: 3 });
  const fit = fitApproach3(runs, { grid: GRID });
  const obj = new HuberLogObjective(runs);
  const rng = makeRng(5);
  const ws = new LbfgsWorkspace(5);
  for (let k = 0; k < 5; k++) {
    obj.w.fill(0);
    for (let i = 0; i < runs.length; i++) obj.w[rng.int(runs.length)]++;
    const x = Float64Array.of(fit.a, fit.b, fit.e, fit.alpha, fit.beta);
    const warm = ws.minimize(obj.fg, x, WARM_START_LBFGS);
    const full = gridSearch(obj, GRID, {}, ws);
    assert.ok(warm.f <= full.objective * (1 + 1e-6), `resample ${k}: warm ${warm.f} vs grid ${full.objective}`);
    assert.ok(Math.abs(x[3] - full.x[3]) < 2e-3 && Math.abs(x[4] - full.x[4]) < 2e-3, `resample ${k}: exponents differ`);
  }
});

test('bootstrap is reproducible by seed, reports progress, derived quantities, and full-grid mode', () => {
  const runs = synthesizeRuns(LAW, { ...design, rng: 4 });
  const fit = fitApproach3(runs, { grid: GRID });
  const seen: number[] = [];
  const a = bootstrapFit(runs, fit, { resamples: 30, seed: 9, kappa: 6, budgets: [1e15, 1e18], onProgress: (d, t) => (assert.equal(t, 30), seen.push(d)) });
  const b = bootstrapFit(runs, fit, { resamples: 30, seed: 9 });
  assert.deepEqual(a.samples, b.samples);
  assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i + 1));
  assert.notDeepEqual(bootstrapFit(runs, fit, { resamples: 30, seed: 10 }).samples, a.samples);
  assert.equal(a.samples.alpha.length + a.failed, 30);
  assert.ok(a.intervals.allocationA.lo < fit.beta / (fit.alpha + fit.beta) && fit.beta / (fit.alpha + fit.beta) < a.intervals.allocationA.hi);
  assert.equal(a.budgets?.length, 2);
  for (const bi of a.budgets!) assert.ok(bi.n.lo < bi.n.hi && bi.d.lo < bi.d.hi && bi.loss.lo < bi.loss.hi);
  const g = bootstrapFit(runs, fit, { resamples: 3, seed: 9, fullGrid: true, grid: GRID });
  assert.equal(g.warmStart, false);
  assert.equal(g.samples.E.length, 3);
  assert.throws(() => bootstrapFit(runs, fit, { resamples: 0 }), /resamples is 0/);
  assert.throws(() => bootstrapFit(runs, fit, { resamples: 2, budgets: [1e15] }), /without kappa/);
});
