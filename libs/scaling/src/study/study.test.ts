import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapFit, makeResampler } from '../bootstrap.js';
import { fitApproach3 } from '../approach3.js';
import { computeOptimal, estimateKappa, logSpace } from '../frontier.js';
import { makeRng } from '../rng.js';
import { analyzeStudy } from './analyze.js';
import { compareDataEfficiency, fitDataScaling, fitDataScalingGroups, selectByValidation } from './data-scaling.js';
import { fitStatus, fitStudyFamily, SENSITIVITY_GRID } from './fit.js';
import { flopsModel, flopsPerSample, optimumFromFlops } from './flops.js';
import { fitIsoFlopFamily } from './isoflop.js';
import { buildStudyReport } from './report.js';
import { replicationScorecard } from './scorecard.js';
import { sensitivityAnalysis } from './sensitivity.js';
import { compareEnvelopes } from './envelope.js';
import { CURVE_EQ, CURVE_TF, EQ_FLOPS_EXPONENT, LAW_EQ, LAW_TF, plantedStudy, ROLES } from './study-fixtures.js';
import { seedGroups, type StudyRun } from './types.js';

const FAST = { grid: SENSITIVITY_GRID, resamples: 100 };
const within = (x: number, target: number, rel: number, what: string) =>
  assert.ok(Math.abs(x - target) <= rel * Math.abs(target), `${what}: ${x} not within ${100 * rel}% of ${target}`);
const covers = (iv: { lo: number; hi: number } | null, x: number, what: string) => {
  assert.ok(iv, `${what}: no interval`);
  assert.ok(iv.lo <= x && x <= iv.hi, `${what}: [${iv.lo}, ${iv.hi}] does not cover ${x}`);
};

test('seed-grouped resampler: a drawn group enters whole; strata keep their group counts', () => {
  const groups = ['s0', 's0', 's1', 's1', 's2', 's2', 't0', 't1'];
  const strata = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b'];
  const draw = makeResampler(8, makeRng(3), groups, strata);
  const w = new Float64Array(8);
  let sawZero = false;
  for (let k = 0; k < 200; k++) {
    draw(w);
    for (let i = 0; i < 8; i += 2) if (i < 6) assert.equal(w[i], w[i + 1], 'runs of one seed group move together');
    assert.equal(w[0] + w[2] + w[4], 3, 'stratum a draws 3 groups');
    assert.equal(w[6] + w[7], 2, 'stratum b draws 2 groups');
    if (w[0] === 0) sawZero = true;
  }
  assert.ok(sawZero, 'some resamples leave a seed group out');
  assert.throws(() => makeResampler(3, makeRng(1), ['a']), /groups has 1 keys for 3 runs/);
});

test('seed-grouped bootstrap is wider than a run-level bootstrap when a seed shifts all its runs at a size', () => {
  // Strong trunk (seed) effect, little per-run noise: runs of a seed are not independent.
  const { compute } = plantedStudy({ noise: 0.002, seedNoise: 0.03, rng: 11 });
  const runs = compute.filter((r) => r.family === 'transformer').map((r) => ({ n: r.n, d: r.d, loss: r.loss, seed: r.seed }));
  const fit = fitApproach3(runs, { grid: SENSITIVITY_GRID });
  const plain = bootstrapFit(runs, fit, { resamples: 150, seed: 2 });
  const g = seedGroups(runs.map((r) => ({ ...r, family: 'x', flops: 1 })));
  const grouped = bootstrapFit(runs, fit, { resamples: 150, seed: 2, ...g });
  // α rests on comparisons across sizes, i.e. across trunks, so a trunk's shared shift is its noise.
  const width = (b: typeof plain) => b.intervals.alpha.hi - b.intervals.alpha.lo;
  assert.ok(width(grouped) > 1.3 * width(plain), `grouped α width ${width(grouped)} vs run-level ${width(plain)}`);
});

test('frontier from each run\'s own FLOPs matches the closed form for C = κ·N^γ·D; the median-κ frontier does not', () => {
  const gamma = 1.3;
  const sizes = logSpace(1e4, 1e6, 5);
  const runs = sizes.flatMap((n) => [1e5, 1e6].map((d) => ({ n, d, flops: 2 * n ** gamma * d })));
  const fm = flopsModel(runs);
  for (const n of sizes) within(flopsPerSample(fm, n), 2 * n ** gamma, 1e-9, `f(${n})`);
  assert.equal(fm.maxSpread < 1e-12, true);
  within(flopsPerSample(fm, 3e4), 2 * 3e4 ** gamma, 1e-9, 'interpolated between sizes');
  const p = LAW_TF;
  // Closed form: N_opt ∝ C^(β/(α+γβ)).
  const aTrue = p.beta / (p.alpha + gamma * p.beta);
  const cs = [1e14, 1e16];
  const ns = cs.map((c) => optimumFromFlops(p, fm, c).n);
  within(Math.log(ns[1] / ns[0]) / Math.log(cs[1] / cs[0]), aTrue, 0.01, 'own-FLOPs allocation exponent');
  for (const c of cs) {
    const o = optimumFromFlops(p, fm, c);
    within(2 * o.n ** gamma * o.d, c, 1e-9, 'the optimum spends the budget');
    for (const f of [0.8, 1.25]) {
      const n = o.n * f;
      const loss = p.E + p.A / n ** p.alpha + p.B / (c / (2 * n ** gamma)) ** p.beta;
      assert.ok(loss > o.loss, 'a neighbouring N on the budget is worse');
    }
  }
  const kappa = estimateKappa(runs.map((r) => ({ ...r, loss: 1, c: r.flops })));
  const old = cs.map((c) => computeOptimal(p, c, kappa).n);
  const aOld = Math.log(old[1] / old[0]) / Math.log(cs[1] / cs[0]);
  assert.ok(Math.abs(aOld - aTrue) > 0.03, `the one-κ frontier's exponent ${aOld} is off the true ${aTrue}`);
});

test('planted laws are recovered per family, with determined fits and intervals covering the truth', () => {
  const { compute } = plantedStudy({ rng: 5 });
  for (const [family, law, gamma] of [['gatr', LAW_EQ, EQ_FLOPS_EXPONENT], ['transformer', LAW_TF, 1]] as const) {
    const f = fitStudyFamily(compute.filter((r) => r.family === family), FAST);
    within(f.fit.alpha, law.alpha, 0.15, `${family} α`);
    within(f.fit.beta, law.beta, 0.15, `${family} β`);
    assert.equal(f.status.status, 'determined', f.status.summary);
    assert.match(f.bootstrap.grouping, /seed groups/);
    const aTrue = law.beta / (law.alpha + gamma * law.beta);
    covers(f.allocation.a.interval, aTrue, `${family} allocation a`);
    assert.ok(f.frontier.every((p) => p.lossInterval && p.lossInterval.lo <= p.loss && p.loss <= p.lossInterval.hi));
  }
});

test('fit status: wide exponent intervals and a disagreeing cross-check make a fit undetermined, with reasons', () => {
  const ok = fitStatus({ identifiable: true, reasons: [] }, { resamples: 100, failed: 0, intervals: { alpha: { lo: 0.3, hi: 0.5 }, beta: { lo: 0.2, hi: 0.35 } } }, { disagree: false, message: 'agrees' });
  assert.equal(ok.status, 'determined');
  const wide = fitStatus({ identifiable: true, reasons: [] }, { resamples: 100, failed: 0, intervals: { alpha: { lo: 0.1, hi: 0.9 }, beta: { lo: 0.2, hi: 0.35 } } }, { disagree: true, message: 'variable projection disagrees: alpha differs by 40%' });
  assert.equal(wide.status, 'undetermined');
  assert.match(wide.summary, /α interval \[0\.100, 0\.900\] spans a factor 9\.0 \(> 2\)/);
  assert.match(wide.summary, /variable projection disagrees/);
  const none = fitStatus({ identifiable: false, reasons: ['only 2 distinct model size(s)'] }, null, null);
  assert.deepEqual(none.reasons.length, 3);
  // Few noisy single-seed runs (like today's demo): undetermined.
  const { compute } = plantedStudy({ seeds: 1, noise: 0.05, sizes: logSpace(2e4, 2e5, 3), budgets: logSpace(6e9, 6e11, 3), rng: 3 });
  const f = fitStudyFamily(compute.filter((r) => r.family === 'transformer'), FAST);
  assert.equal(f.status.determined, false, f.status.summary);
});

test('IsoFLOP profiles per family recover each family\'s optimal-N exponent; mixed families are refused', () => {
  const { compute } = plantedStudy({ rng: 7, noise: 0.005 });
  const eq = fitIsoFlopFamily(compute.filter((r) => r.family === 'gatr'), { resamples: 100 });
  const tf = fitIsoFlopFamily(compute.filter((r) => r.family === 'transformer'), { resamples: 100 });
  assert.equal(tf.usableBins, 5);
  within(tf.a.estimate, LAW_TF.beta / (LAW_TF.alpha + LAW_TF.beta), 0.1, 'transformer a');
  within(eq.a.estimate, LAW_EQ.beta / (LAW_EQ.alpha + EQ_FLOPS_EXPONENT * LAW_EQ.beta), 0.1, 'gatr a');
  assert.equal(tf.status.determined, true, tf.status.summary);
  assert.ok(eq.a.interval!.lo > tf.a.interval!.hi, 'the two exponents are told apart');
  for (const b of tf.bins) assert.ok(b.nOptInterval && b.nOptInterval.lo <= b.nOpt && b.nOpt <= b.nOptInterval.hi);
  assert.throws(() => fitIsoFlopFamily(compute), /never pooled/);
  // Single-size bins: nothing usable, said in words.
  const one = fitIsoFlopFamily(compute.filter((r) => r.family === 'transformer' && r.n === compute[0].n), { resamples: 10 });
  assert.equal(one.status.determined, false);
  assert.match(one.status.summary, /no FLOP bin holds runs of 3 or more model sizes/);
});

test('data scaling at convergence: β recovered, validation (never test) chooses within a cell', () => {
  const { data } = plantedStudy({ rng: 9 });
  const fits = fitDataScalingGroups(data, { resamples: 100 });
  assert.deepEqual(fits.map((f) => f.key), ['gatr', 'transformer', 'transformer+aug']);
  within(fits[0].beta.estimate, CURVE_EQ.beta, 0.1, 'gatr β');
  within(fits[1].beta.estimate, CURVE_TF.beta, 0.1, 'transformer β');
  covers(fits[1].beta.interval, CURVE_TF.beta, 'transformer β interval');
  assert.equal(fits[2].sizes[0].epochsMedian !== null, true);
  const cell: StudyRun[] = [
    { family: 'x', n: 1, d: 1, flops: 1, seed: 0, trainSize: 10, loss: 0.5, valLoss: 0.9 },
    { family: 'x', n: 2, d: 1, flops: 1, seed: 0, trainSize: 10, loss: 0.9, valLoss: 0.4 },
  ];
  assert.equal(selectByValidation(cell)[0].n, 2, 'lowest validation loss, not lowest test loss');
  assert.throws(() => selectByValidation(cell.map(({ valLoss: _v, ...r }) => r)), /give valLoss to choose between them \(never the test loss\)/);
  assert.throws(() => fitDataScaling([{ ...cell[0], trainSize: undefined }]), /trainSize is missing/);
});

test('scorecard: planted differences → all three claims agree, each with intervals in `measured`', () => {
  const st = plantedStudy({ rng: 21 });
  const a = analyzeStudy(st, { roles: ROLES, ...FAST });
  assert.deepEqual(a.claims.map((c) => c.verdict), ['agrees', 'agrees', 'agrees'], JSON.stringify(a.claims.map((c) => [c.measured, c.details.reasons])));
  const pl = a.claims[1].details.powerLawInCompute as { family: string; gamma: number; identifiable: boolean }[];
  assert.deepEqual(pl.map((p) => p.identifiable), [true, true], 'a power law in compute per family');
  assert.ok(pl.every((p) => p.gamma > 0.05 && p.gamma < 1));
  for (const c of a.claims) {
    assert.match(c.measured, /\[[-\d.e]+, [-\d.e]+\]/, 'an interval in measured');
    assert.ok(c.paper.length > 40);
  }
});

test('scorecard: equal laws → "too weak to tell", never "agrees"', () => {
  const st = plantedStudy({ eq: LAW_TF, curves: { eq: CURVE_TF, tf: CURVE_TF, aug: CURVE_TF }, rng: 23 });
  // Same FLOPs for both families too.
  const compute = st.compute.map((r) => (r.family === 'gatr' ? { ...r, flops: (r.flops / 9e5) * 6e5 * (1e5 / r.n) ** 0.1 } : r));
  const a = analyzeStudy({ compute, data: st.data }, { roles: ROLES, ...FAST });
  const [c1, c2, c3] = a.claims;
  assert.equal(c1.verdict, 'too weak to tell', c1.measured);
  assert.equal(c2.verdict, 'too weak to tell', c2.measured);
  assert.notEqual(c3.verdict, 'agrees', c3.measured);
});

test('claim 1: a gap that augmentation does not close → disagrees; runs stopped at the epoch cap → too weak', () => {
  const parallel = { E: 0.025, B: 4, beta: 0.5 }; // augmentation helps less; the gap to GATr stays about 2×
  const st = plantedStudy({ curves: { eq: CURVE_EQ, tf: CURVE_TF, aug: parallel }, rng: 25 });
  const fits = fitDataScalingGroups(st.data, { resamples: 100 });
  const [eq, tf, aug] = fits;
  const cmp = compareDataEfficiency(eq, tf, aug);
  const input = { dataEfficiency: cmp, dataFits: { equivariant: eq, baseline: tf, augmented: aug }, computeFits: { others: [] }, frontierComparisons: [], isoflop: { others: [] } };
  assert.equal(replicationScorecard(input)[0].verdict, 'disagrees');
  const capped = fitDataScalingGroups(st.data.map((r) => (r.augmented && r.trainSize! > 2e4 ? { ...r, converged: false } : r)), { resamples: 100 });
  const cmp2 = compareDataEfficiency(capped[0], capped[1], capped[2]);
  const v = replicationScorecard({ ...input, dataEfficiency: cmp2, dataFits: { equivariant: capped[0], baseline: capped[1], augmented: capped[2] } })[0];
  assert.equal(v.verdict, 'too weak to tell');
  assert.match(v.details.reasons.join(' '), /epoch cap/);
});

test('sensitivity: a FLOPs convention that makes GATr 5× dearer flips claim 2 and is reported; δ and N variants are recomputed', () => {
  const st = plantedStudy({ rng: 31 });
  const rep = sensitivityAnalysis(
    st,
    {
      flops: { nominal: (r) => r.flops, wallclock: (r) => (r.family === 'gatr' ? 5 : 1) * r.flops },
      n: { total: (r) => r.n, nonEmbedding: (r) => r.n * 0.9 },
      deltas: [1e-3, 1e-2, 1e-1],
    },
    { roles: ROLES, ...FAST },
  );
  assert.deepEqual(rep.variants.map((v) => v.name), ['flops=wallclock', 'n=nonEmbedding', 'delta=0.01', 'delta=0.1']);
  assert.equal(rep.baseline.verdicts[1].verdict, 'agrees');
  const flip = rep.changes.find((c) => c.variant === 'flops=wallclock' && c.what === 'claim 2');
  assert.ok(flip, rep.summary);
  assert.equal(flip.now, 'disagrees');
  assert.equal(rep.changes.some((c) => c.variant === 'n=nonEmbedding' && c.what.startsWith('claim')), false, rep.summary);
  const nonEmb = rep.variants[1].exponents.find((e) => e.family === 'transformer')!;
  within(nonEmb.alpha, rep.baseline.exponents.find((e) => e.family === 'transformer')!.alpha, 0.05, 'α does not depend on a constant N factor');
  assert.match(rep.summary, /claim 2 agrees → disagrees under flops=wallclock/);
});

test('report object: claims with id/paper/measured/verdict, fits with intervals and status, JSON without samples or NaN', () => {
  const st = plantedStudy({ rng: 41 });
  const a = analyzeStudy(st, { roles: ROLES, ...FAST, resamples: 50 });
  const design = { families: ['gatr', 'transformer'], seeds: 3 };
  const rep = buildStudyReport({ analysis: a, flopConvention: 'executed FLOPs', design });
  const text = JSON.stringify(rep);
  const back = JSON.parse(text);
  assert.deepEqual(back.claims.map((c: { id: number }) => c.id), [1, 2, 3]);
  for (const c of back.claims) for (const k of ['paper', 'measured', 'verdict']) assert.equal(typeof c[k], 'string');
  assert.equal(back.fits.length, 2);
  assert.ok(back.fits[0].alpha.interval.lo < back.fits[0].alpha.estimate);
  assert.equal(back.fits[0].status, 'determined');
  assert.deepEqual(back.design, design);
  assert.equal(back.flopConvention, 'executed FLOPs');
  assert.equal(/"(samples|samplesA|allocationSamples)"|NaN/.test(text), false, 'no bootstrap samples or NaN in the report');
});

test('one seed per size: runs are resampled one by one (no zero-width intervals) and no fit is called determined', () => {
  const { compute } = plantedStudy({ seeds: 1, rng: 5 });
  const tf = compute.filter((r) => r.family === 'transformer');
  const g = seedGroups(tf);
  assert.equal(g.singleSeed, true);
  assert.equal(new Set(g.groups).size, tf.length, 'each run its own group');
  const f = fitStudyFamily(tf, FAST);
  assert.ok(f.bootstrap.intervals.alpha.hi > f.bootstrap.intervals.alpha.lo, 'a real interval');
  assert.equal(f.status.determined, false);
  assert.match(f.status.summary, /single seed per model size/);
  assert.equal(seedGroups(plantedStudy({ seeds: 3 }).compute).singleSeed, false);
});

test('a family that cannot be fitted is a failure with its problem, not an exception; its claims are too weak to tell', () => {
  const { compute, data } = plantedStudy({ rng: 9 });
  const few = compute.filter((r) => r.family === 'gatr').slice(0, 3);
  const a = analyzeStudy({ compute: [...compute.filter((r) => r.family !== 'gatr'), ...few], data }, { roles: ROLES, ...FAST });
  assert.ok(a.failures.some((f) => f.family === 'gatr' && f.stage === 'compute' && /5/.test(f.problem)), JSON.stringify(a.failures));
  const c2 = a.claims.find((c) => c.id === 2)!;
  assert.equal(c2.verdict, 'too weak to tell');
  assert.ok(c2.details.reasons.some((r) => r.startsWith('gatr (compute): no fit')));
});

test('observed envelopes: each seed picks the best-on-validation run within the budget and reports its test loss; seeds resampled', () => {
  const run = (family: string, seed: number, flops: number, loss: number, valLoss: number): StudyRun => ({ family, n: 1000, d: flops / 6000, loss, valLoss, flops, seed });
  // A: the cheap run has the lower TEST loss, the dear one the lower VALIDATION loss; B is flat at 1.5
  const A = [0, 1, 2].flatMap((s) => [run('gatr', s, 1e9, 1.0, 2.0), run('gatr', s, 1e10, 2.0 + 0.01 * s, 1.0)]);
  const B = [0, 1, 2].flatMap((s) => [run('transformer', s, 1e9, 1.5, 1.5), run('transformer', s, 1e10, 1.5, 1.5)]);
  const c = compareEnvelopes(A, B, { budgets: [2e9, 2e10], seed: 1 });
  within(c.ratios[0]!.ratio, 1 / 1.5, 1e-9, 'below the dear run: the cheap run');
  within(c.ratios[1]!.ratio, Math.exp([0, 1, 2].reduce((a, s) => a + Math.log(2 + 0.01 * s), 0) / 3) / 1.5, 1e-9, 'chosen on validation, not test');
  assert.ok(c.ratios[1]!.interval!.lo > 1, JSON.stringify(c.ratios[1]));
  assert.equal(c.verdict, 'B better at some budget');
  assert.deepEqual([c.seedsA, c.seedsB], [3, 3]);
  assert.match(compareEnvelopes(A.map(({ valLoss: _v, ...r }) => r), B).problem!, /validation loss/);
});

test('claim 2: an observed envelope that beats the equivariant family rejects "better at every tested budget", whatever the fits', () => {
  const withVal = (rs: readonly StudyRun[], f = (r: StudyRun) => r.loss) => rs.map((r, i) => ({ ...r, loss: f(r), valLoss: f(r) * (1 + 0.001 * (i % 7)) }));
  const st = plantedStudy({ rng: 21 });
  const good = analyzeStudy({ compute: withVal(st.compute), data: st.data }, { roles: ROLES, ...FAST });
  assert.equal(good.envelopeComparisons[0]!.verdict, 'A better at every budget', JSON.stringify(good.envelopeComparisons[0]!.ratios));
  assert.equal(good.claims[1]!.verdict, 'agrees', good.claims[1]!.measured);
  assert.match(good.claims[1]!.measured, /observed envelopes/);
  // the same study with every GATr loss 3× higher: the transformer's envelope is below GATr's at every budget
  const bad = analyzeStudy({ compute: withVal(st.compute, (r) => (r.family === 'gatr' ? 3 : 1) * r.loss), data: st.data }, { roles: ROLES, ...FAST });
  assert.equal(bad.envelopeComparisons[0]!.verdict, 'B better at some budget');
  assert.equal(bad.claims[1]!.verdict, 'disagrees', bad.claims[1]!.measured);
  assert.match(bad.claims[1]!.details.reasons.join(' '), /transformer beats gatr on the observed envelopes at \d+ of \d+ tested budgets/);
});
