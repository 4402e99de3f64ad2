import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitApproach2 } from './approach2.js';
import { predictLoss, type LawParams } from './approach3.js';
import { envelopeLoss, fitEnvelopePowerLaw, lowerEnvelope } from './envelope.js';
import { allocationExponents, computeOptimal, estimateKappa, logSpace } from './frontier.js';
import { makeRng } from './rng.js';

const LAW: LawParams = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };

test('compute-optimal allocation minimises L on the constraint κ·N·D = C', () => {
  const kappa = 6;
  for (const c of [1e20, 1e23, 1e26]) {
    const opt = computeOptimal(LAW, c, kappa);
    assert.ok(Math.abs((kappa * opt.n * opt.d) / c - 1) < 1e-12);
    // Golden-section search over log N along the constraint.
    let lo = Math.log(1e3);
    let hi = Math.log(c / kappa) - Math.log(1e3);
    const phi = (Math.sqrt(5) - 1) / 2;
    const f = (x: number) => predictLoss(LAW, Math.exp(x), c / (kappa * Math.exp(x)));
    for (let i = 0; i < 200; i++) {
      const x1 = hi - phi * (hi - lo);
      const x2 = lo + phi * (hi - lo);
      if (f(x1) < f(x2)) hi = x2;
      else lo = x1;
    }
    assert.ok(Math.abs(Math.exp(0.5 * (lo + hi)) / opt.n - 1) < 1e-6, `C=${c}: N_opt ${opt.n} vs numeric ${Math.exp(0.5 * (lo + hi))}`);
    assert.ok(Math.abs(opt.loss - f(Math.log(opt.n))) < 1e-12);
  }
  const al = allocationExponents(LAW);
  assert.ok(Math.abs(al.a + al.b - 1) < 1e-12);
  assert.ok(Math.abs(al.a - 0.28 / 0.62) < 1e-12);
  // N_opt ∝ C^a.
  const r = computeOptimal(LAW, 1e24, 6).n / computeOptimal(LAW, 1e22, 6).n;
  assert.ok(Math.abs(Math.log(r) / Math.log(100) - al.a) < 1e-12);
  assert.throws(() => computeOptimal(LAW, 1e20, 0), /kappa is 0/);
});

test('kappa is estimated as the median of c/(n·d), with an error when no run has c', () => {
  assert.equal(estimateKappa([{ n: 1, d: 1, loss: 1, c: 6 }, { n: 2, d: 1, loss: 1, c: 20 }, { n: 1, d: 1, loss: 1, c: 7 }]), 7);
  assert.throws(() => estimateKappa([{ n: 1, d: 1, loss: 1 }]), /no run has c .*pass kappa/);
});

test('lower envelope keeps only runs that beat every cheaper run', () => {
  const env = lowerEnvelope([{ c: 3, loss: 1 }, { c: 1, loss: 2 }, { c: 2, loss: 2.5 }, { c: 4, loss: 0.9 }]);
  assert.deepEqual(env.map((p) => p.c), [1, 3, 4]);
});

test('power law in compute is recovered from the lower envelope of runs', () => {
  const truth = { lInf: 0.05, c0: 1e10, gamma: 0.3 };
  const rng = makeRng(3);
  const pts = logSpace(1e12, 1e20, 25).flatMap((c) => [
    { c, loss: envelopeLoss(truth, c) * Math.exp(0.002 * rng.normal()) },
    { c: c * 1.01, loss: envelopeLoss(truth, c) * (1.2 + rng.next()) }, // dominated, off the envelope
  ]);
  const fit = fitEnvelopePowerLaw(pts);
  assert.ok(fit.identifiable, fit.reasons.join('; '));
  assert.ok(Math.abs(fit.gamma / truth.gamma - 1) < 0.05, `γ = ${fit.gamma}`);
  assert.ok(Math.abs(fit.lInf / truth.lInf - 1) < 0.1, `L∞ = ${fit.lInf}`);
  assert.throws(() => fitEnvelopePowerLaw([{ c: 1, loss: 2 }, { c: 2, loss: 1 }]), /at least 3 runs/);
});

test('approach 2 recovers the allocation exponent from centred IsoFLOP sweeps', () => {
  const kappa = 6;
  const al = allocationExponents(LAW);
  const runs = logSpace(1e19, 1e23, 5).flatMap((c) => {
    const centre = computeOptimal(LAW, c, kappa).n;
    return logSpace(centre / 8, centre * 8, 9).map((n) => ({ n, d: c / (kappa * n), loss: predictLoss(LAW, n, c / (kappa * n)), c }));
  });
  const a2 = fitApproach2(runs);
  assert.equal(a2.kappa, 6);
  assert.equal(a2.profiles.length, 5);
  assert.ok(a2.identifiable, a2.reasons.join('; '));
  assert.ok(Math.abs(a2.a - al.a) < 0.01, `a = ${a2.a}, true ${al.a}`);
  assert.ok(Math.abs(a2.b - al.b) < 0.01, `b = ${a2.b}, true ${al.b}`);
  for (const p of a2.profiles) assert.ok(Math.abs(p.offCentre) < 0.2);
});

test('approach 2 flags a sweep whose minimum lies outside the sampled model sizes', () => {
  const kappa = 6;
  const runs = [1e20, 1e21].flatMap((c) => {
    const centre = computeOptimal(LAW, c, kappa).n;
    return logSpace(centre * 4, centre * 64, 5).map((n) => ({ n, d: c / (kappa * n), loss: predictLoss(LAW, n, c / (kappa * n)), c }));
  });
  const a2 = fitApproach2(runs);
  assert.equal(a2.identifiable, false);
  assert.ok(a2.profiles.every((p) => !p.usable && /outside the sampled model sizes/.test(p.reason ?? '')));
});
