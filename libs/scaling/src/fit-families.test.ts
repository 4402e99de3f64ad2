import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareFitResults } from './compare.js';
import { fitFamilies } from './fit-families.js';
import { formatFitTable } from './format.js';
import { logSpace } from './frontier.js';
import { synthesizeRuns } from './synthetic.js';
import { LAW_BASELINE, LAW_EQUIVARIANT, SMALL_GRID } from './testing/fixtures.js';

const nSizes = logSpace(1e5, 1e8, 5);
const dSizes = logSpace(1e5, 1e8, 5);
const runs = [
  ...synthesizeRuns(LAW_EQUIVARIANT, { nSizes, dSizes, family: 'GATr', kappa: 168, rng: 1, noise: 0.01 }),
  ...synthesizeRuns(LAW_BASELINE, { nSizes, dSizes, family: 'Transformer', kappa: 6, rng: 2, noise: 0.01 }),
];

test('fitFamilies fits each family, estimates κ from c, cross-checks and bootstraps; results are JSON-able', () => {
  const progress: string[] = [];
  const res = fitFamilies(runs, {
    approach3: { grid: SMALL_GRID },
    bootstrap: 20,
    budgets: [1e14, 1e16],
    onProgress: (f, d, t) => d === t && progress.push(f),
  });
  assert.deepEqual(res.map((r) => r.family), ['GATr', 'Transformer']);
  assert.deepEqual(progress, ['GATr', 'Transformer']);
  assert.ok(Math.abs(res[0].kappa! - 168) < 1e-9 && Math.abs(res[1].kappa! - 6) < 1e-9);
  for (const r of res) {
    assert.equal(r.frontier?.length, 2);
    assert.equal(r.bootstrap?.budgets?.length, 2);
    assert.ok(r.crossCheck);
    assert.ok(Math.abs(r.allocation.a - r.fit.beta / (r.fit.alpha + r.fit.beta)) < 1e-12);
  }
  const back = JSON.parse(JSON.stringify(res));
  assert.equal(back[0].fit.E, res[0].fit.E);
  assert.equal(back[1].bootstrap.intervals.alpha.lo, res[1].bootstrap!.intervals.alpha.lo);

  const cmp = compareFitResults(res[0], res[1], [1e15]);
  assert.equal(cmp.familyA, 'GATr');
  assert.ok(cmp.lossRatio[0].interval && cmp.allocationA.interval);
  assert.throws(() => compareFitResults({ ...res[0], kappa: undefined }, res[1], [1e15]), /family "GATr" has no kappa/);

  const table = formatFitTable(res);
  const lines = table.split('\n');
  assert.match(lines[0], /family\s+runs\s+E\s+A\s+B\s+alpha\s+beta/);
  assert.ok(lines.some((l) => l.startsWith('GATr ') && l.includes(String(Number(res[0].fit.alpha.toPrecision(5))))));
  assert.ok(lines.some((l) => l.includes('95% CI') && l.includes('[')));
});

test('fitFamilies names the family in errors and the table flags unidentifiable fits', () => {
  const few = [...runs.slice(0, 25), ...synthesizeRuns(LAW_BASELINE, { nSizes: [1e6], dSizes: [1e6, 1e7, 1e8], family: 'tiny' })];
  assert.throws(() => fitFamilies(few, { approach3: { grid: SMALL_GRID } }), /family "tiny": only 3 run\(s\)/);
  const single = synthesizeRuns(LAW_BASELINE, { nSizes: [1e6], dSizes: logSpace(1e5, 1e8, 6), family: 'oneN' });
  const res = fitFamilies(single, { approach3: { grid: SMALL_GRID }, crossCheck: false });
  assert.equal(res[0].fit.identifiable, false);
  assert.match(formatFitTable(res), /oneN: NOT IDENTIFIABLE — only 1 distinct model size/);
});
