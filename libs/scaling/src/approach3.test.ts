import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fitApproach3, HOFFMANN_GRID, type LawParams } from './approach3.js';
import { fitApproach3Parallel } from './fit-parallel.js';
import { parseChinchillaCsv } from './csv.js';
import { logSpace } from './frontier.js';
import { synthesizeRuns } from './synthetic.js';

const CHINCHILLA = new URL('../../../../shared/data/chinchilla-fig4-epoch.csv', import.meta.url);

test('golden: Epoch replication of Hoffmann approach 3 on the Chinchilla figure-4 runs', () => {
  const runs = parseChinchillaCsv(readFileSync(CHINCHILLA, 'utf8'), { dropHighestLoss: 5 });
  assert.equal(runs.length, 240);
  const fit = fitApproach3(runs);
  assert.equal(fit.totalStarts, 4500);
  const golden: LawParams = { A: 477.84, B: 2143.86, E: 1.8172, alpha: 0.34731, beta: 0.36718 };
  for (const k of Object.keys(golden) as (keyof LawParams)[])
    assert.ok(Math.abs(fit[k] / golden[k] - 1) < 0.01, `${k} = ${fit[k]}, golden ${golden[k]} (1% tolerance)`);
  assert.ok(Math.abs(fit.objective / 0.00101827 - 1) < 1e-3, `objective ${fit.objective}, golden 0.00101827`);
  assert.ok(fit.identifiable, fit.reasons.join('; '));
  assert.ok(fit.convergedStarts > 0);
});

test('the Hoffmann grid has 4500 starts over the documented values', () => {
  assert.deepEqual(HOFFMANN_GRID.alpha, [0, 0.5, 1, 1.5, 2]);
  assert.deepEqual(HOFFMANN_GRID.e, [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(HOFFMANN_GRID.a, [0, 5, 10, 15, 20, 25]);
  const total = HOFFMANN_GRID.a.length * HOFFMANN_GRID.b.length * HOFFMANN_GRID.e.length * HOFFMANN_GRID.alpha.length * HOFFMANN_GRID.beta.length;
  assert.equal(total, 4500);
});

// Planted laws: 7 × 7 runs, log-normal noise σ = 0.5%. Tolerances (relative): E 5%, α and β 10%, A and B 50%
// (A and B trade off against the exponents: log A shifts by Δα·log N, so they are weakly determined).
const PLANTED: { name: string; law: LawParams; n: number[]; d: number[] }[] = [
  { name: 'Hoffmann published', law: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 }, n: logSpace(7e7, 1.6e10, 7), d: logSpace(5e9, 5e11, 7) },
  { name: 'small-model, α ≈ β', law: { E: 0.02, A: 40, B: 300, alpha: 0.45, beta: 0.5 }, n: logSpace(1e5, 1e8, 7), d: logSpace(1e5, 1e8, 7) },
  { name: 'steep N, shallow D', law: { E: 0.5, A: 2000, B: 50, alpha: 0.7, beta: 0.25 }, n: logSpace(1e5, 1e8, 7), d: logSpace(1e5, 1e9, 7) },
];
const TOL: LawParams = { E: 0.05, alpha: 0.1, beta: 0.1, A: 0.5, B: 0.5 };

for (const p of PLANTED) {
  test(`planted law is recovered: ${p.name}`, () => {
    const runs = synthesizeRuns(p.law, { nSizes: p.n, dSizes: p.d, noise: 0.005, rng: 7 });
    const fit = fitApproach3(runs);
    assert.ok(fit.identifiable, fit.reasons.join('; '));
    for (const k of Object.keys(TOL) as (keyof LawParams)[]) {
      const rel = Math.abs(fit[k] / p.law[k] - 1);
      assert.ok(rel < TOL[k], `${k}: fitted ${fit[k]}, true ${p.law[k]}, relative error ${rel.toFixed(3)} > ${TOL[k]}`);
    }
  });
}

const LAW: LawParams = { E: 0.5, A: 2000, B: 50, alpha: 0.7, beta: 0.25 };
const SMALL = { a: [0, 5, 10], b: [0, 5], e: [-2, 0], alpha: [0.5, 1], beta: [0.5] };

test('degenerate: fewer runs than parameters is an error naming the fix', () => {
  const runs = synthesizeRuns(LAW, { nSizes: [1e5, 1e6], dSizes: [1e6, 1e7] });
  assert.throws(() => fitApproach3(runs), /only 4 run\(s\).*at least 5 runs/);
});

test('degenerate: non-positive or NaN values are errors naming the run and field', () => {
  const runs = synthesizeRuns(LAW, { nSizes: logSpace(1e5, 1e8, 3), dSizes: logSpace(1e5, 1e8, 3) });
  assert.throws(() => fitApproach3(runs.map((r, i) => (i === 4 ? { ...r, loss: NaN } : r))), /runs\[4\]\.loss is .*positive finite number/);
  assert.throws(() => fitApproach3(runs.map((r, i) => (i === 2 ? { ...r, n: -3 } : r))), /runs\[2\]\.n is -3/);
  assert.throws(() => fitApproach3(runs.map((r, i) => (i === 1 ? { ...r, d: 0 } : r))), /runs\[1\]\.d is 0/);
});

test('degenerate: a single model size is flagged unidentifiable, not reported as confident', () => {
  const runs = synthesizeRuns(LAW, { nSizes: [1e6], dSizes: logSpace(1e5, 1e9, 8) });
  const fit = fitApproach3(runs, { grid: SMALL });
  assert.equal(fit.identifiable, false);
  assert.match(fit.reasons.join(' '), /1 distinct model size/);
});

test('degenerate: a single data size is flagged unidentifiable', () => {
  const runs = synthesizeRuns(LAW, { nSizes: logSpace(1e5, 1e8, 8), dSizes: [1e7] });
  const fit = fitApproach3(runs, { grid: SMALL });
  assert.equal(fit.identifiable, false);
  assert.match(fit.reasons.join(' '), /1 distinct data size/);
});

test('degenerate: model and data size varied together (collinear) is flagged', () => {
  const runs = logSpace(1e5, 1e8, 10).map((n) => ({ n, d: 20 * n, loss: LAW.E + LAW.A / n ** LAW.alpha + LAW.B / (20 * n) ** LAW.beta }));
  const fit = fitApproach3(runs, { grid: SMALL });
  assert.equal(fit.identifiable, false);
  assert.match(fit.reasons.join(' '), /collinear/);
});

test('degenerate: loss that does not depend on N is flagged: A and α are not determined', () => {
  const runs = synthesizeRuns({ E: 0.5, A: 0, B: 50, alpha: 0.7, beta: 0.25 }, { nSizes: logSpace(1e5, 1e8, 5), dSizes: logSpace(1e5, 1e9, 5), noise: 0 });
  const fit = fitApproach3(runs, { grid: SMALL });
  assert.equal(fit.identifiable, false);
  assert.match(fit.reasons.join(' '), /A\/N\^α is negligible|α = .* ≤ 0\.001/);
});

test('the threaded grid fit gives exactly the sequential result', async () => {
  const runs = synthesizeRuns(LAW, { nSizes: logSpace(1e5, 1e8, 5), dSizes: logSpace(1e5, 1e9, 5), noise: 0.01, rng: 3 });
  const grid = { ...SMALL, alpha: [0, 0.5, 1], beta: [0, 0.5, 1] };
  const seq = fitApproach3(runs, { grid });
  const par = await fitApproach3Parallel(runs, { grid, threads: 2 });
  assert.deepEqual(par, seq);
  await assert.rejects(fitApproach3Parallel(runs, { threads: 0 }), /threads is 0/);
});
