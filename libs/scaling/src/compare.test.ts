import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitApproach3, type LawParams } from './approach3.js';
import { bootstrapFit } from './bootstrap.js';
import { compareFamilies } from './compare.js';
import { computeOptimal, logSpace } from './frontier.js';
import { synthesizeRuns } from './synthetic.js';

const GRID = { a: [0, 5, 10], b: [0, 5], e: [-4, -2, 0], alpha: [0.5], beta: [0.5] };
const design = { nSizes: logSpace(1e5, 1e8, 6), dSizes: logSpace(1e5, 1e9, 6), noise: 0.01 };
const EQUI: LawParams = { E: 0.02, A: 40, B: 300, alpha: 0.3, beta: 0.6 };
const BASE: LawParams = { E: 0.03, A: 60, B: 250, alpha: 0.6, beta: 0.3 };

function family(name: string, law: LawParams, seed: number) {
  const runs = synthesizeRuns(law, { ...design, rng: seed });
  const fit = fitApproach3(runs, { grid: GRID });
  return { family: name, fit, kappa: 6, samples: bootstrapFit(runs, fit, { resamples: 100, seed }).samples };
}

test('family comparison: loss ratio bands and an allocation-exponent difference that excludes 0', () => {
  const a = family('GATr', EQUI, 1);
  const b = family('Transformer', BASE, 2);
  const budgets = [1e14, 1e16];
  const cmp = compareFamilies(a, b, budgets);
  assert.equal(cmp.lossRatio.length, 2);
  for (const r of cmp.lossRatio) {
    const truth = computeOptimal(EQUI, r.c, 6).loss / computeOptimal(BASE, r.c, 6).loss;
    assert.ok(r.interval!.lo <= r.ratio && r.ratio <= r.interval!.hi);
    assert.ok(r.interval!.lo <= truth && truth <= r.interval!.hi, `95% band ${JSON.stringify(r.interval)} misses the true ratio ${truth}`);
    assert.ok(Math.abs(r.ratio / truth - 1) < 0.2, `ratio ${r.ratio} vs true ${truth}`);
  }
  // True a = β/(α+β): 2/3 vs 1/3.
  assert.ok(cmp.allocationA.estimate > 0.2, `difference ${cmp.allocationA.estimate}`);
  assert.equal(cmp.allocationA.excludesZero, true);
  assert.ok(Math.abs(cmp.allocationA.estimate + cmp.allocationB.estimate) < 1e-12);
});

test('family comparison of two draws of one law does not claim different allocation', () => {
  const cmp = compareFamilies(family('x', EQUI, 3), family('y', EQUI, 4), [1e15]);
  assert.equal(cmp.allocationA.excludesZero, false, JSON.stringify(cmp.allocationA));
  const r = cmp.lossRatio[0];
  assert.ok(r.interval!.lo <= 1 && 1 <= r.interval!.hi, JSON.stringify(r));
});

test('family comparison without bootstrap gives point estimates and null intervals', () => {
  const cmp = compareFamilies({ family: 'a', fit: EQUI, kappa: 6 }, { family: 'b', fit: BASE, kappa: 6 }, [1e15]);
  assert.equal(cmp.lossRatio[0].interval, null);
  assert.equal(cmp.allocationA.excludesZero, null);
  assert.ok(Math.abs(cmp.allocationA.estimate - (2 / 3 - 1 / 3)) < 1e-12);
});
