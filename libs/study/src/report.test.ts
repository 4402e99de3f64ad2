/**
 * The report's scorecard on studies with planted laws, through the whole path (stored trials → study analysis →
 * report.md / report.json): when GATr's compute law and data curve are better by design, the claims the planted
 * data decides say so; when the laws are equal, claims 1 and 2 are "too weak to tell". Real fits, no stubs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { logSpace, synthesizeStudy, type DataCurveParams, type LawParams, type StudyRun } from '@equiscale/scaling';
import type { TrialRecord } from '@equiscale/sweeps';
import { chooseLearningRates, convergedOnValidation, convergenceSentence, dataConvergence, FLOP_CONVENTION, mergeStudies, studyFromRows, studyInput, VERDICTS, writeStudyReport, type ReportJson, type Study } from './index.js';

const LAW_EQ: LawParams = { E: 0.5, A: 26.7, B: 100, alpha: 0.3, beta: 0.45 };
const LAW_TF: LawParams = { E: 0.7, A: 112, B: 30, alpha: 0.45, beta: 0.3 };
const CURVE_EQ: DataCurveParams = { E: 0.01, B: 2, beta: 0.5 };
const CURVE_TF: DataCurveParams = { E: 0.01, B: 6, beta: 0.5 };
const CURVE_AUG: DataCurveParams = { E: 0.01, B: 8, beta: 0.65 };
const SIZES = logSpace(1.8e4, 5.5e5, 5);
const BUDGETS = logSpace(6e9, 6e11, 5);
const TRAIN = logSpace(1e3, 3e4, 5).map(Math.round);
const GRID = { a: [0, 5, 10], b: [0, 5, 10], e: [-2, -1, 0], alpha: [0.3, 0.6], beta: [0.3, 0.6] };

let nextId = 1;
/** A stored trial record for a planted run (N, D, own FLOPs, seed, loss as given; batch 1, so steps = D). */
function record(r: StudyRun, family: string, trainSize: number): TrialRecord {
  const steps = Math.max(1, Math.round(r.d));
  return {
    id: nextId++,
    trial: {
      cellKey: `${family}/${nextId}`,
      family,
      modelFamily: family === 'gatr' ? 'gatr' : 'transformer',
      augment: family.includes('augment'),
      sizeLabel: `n${Math.round(r.n)}`,
      dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 4 } },
      benchmark: { name: 'rigid-body', configHash: 'h' },
      training: { batchSize: 1, lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0 }, gradClip: 1, evalEvery: 0, evalExamples: 8, checkpointEvery: 0, checkpointAt: [] },
      seed: Number(r.seed),
      steps,
      trainSize,
      plan: { paramCount: Math.round(r.n), nominalFlopsPerSample: r.flops / steps, nominalFlops: r.flops, executedFlops: 1.3 * r.flops },
    },
    parentId: null,
    status: 'completed',
    attempt: 1,
    progressStep: steps,
    leaseOwner: null,
    trainLoss: r.loss,
    valLoss: r.loss,
    testLoss: r.loss,
    wallTimeS: r.flops / 1e9,
    executedFlops: null,
    backend: 'cpu',
    error: null,
    symmetry: null,
  };
}

/** `same`: GATr with the transformer's law, FLOPs per sample and data curve — nothing to tell them apart. */
function plantedStudy(same = false): Study {
  const s = synthesizeStudy({
    compute: [
      same
        ? { family: 'gatr', law: LAW_TF, kappa: 6, sizes: SIZES, budgets: BUDGETS }
        : { family: 'gatr', law: LAW_EQ, kappa: 9, flopsExponent: 1.1, sizes: SIZES, budgets: BUDGETS.map((b) => b * 1.5) },
      { family: 'transformer', law: LAW_TF, kappa: 6, sizes: SIZES, budgets: BUDGETS },
    ],
    data: [
      { family: 'gatr', curve: same ? CURVE_TF : CURVE_EQ, trainSizes: TRAIN },
      { family: 'transformer', curve: CURVE_TF, trainSizes: TRAIN },
      { family: 'transformer+augment', augmented: true, curve: CURVE_AUG, trainSizes: TRAIN },
    ],
    seeds: 3,
    rng: 3,
  });
  const compute = s.compute.map((r) => record(r, r.family, 1e9));
  const data = s.data.map((r) => record(r, r.family, r.trainSize!));
  // data-scaling runs: validation curves that flattened (early stopping would have stopped them)
  const valPoints = data.flatMap((t) => [4, 3, 2, 1].map((k, i) => ({ trialId: t.id, step: (i + 1) * 10, loss: t.valLoss! * (1 + 0.001 * k) + (i === 0 ? 0.5 : 0) })));
  const rows = (trials: TrialRecord[], name: string) =>
    studyFromRows({ name, spec: {}, baselines: { noMotion: 0.5, constantVelocity: 0.2 }, trials, valPoints: valPoints.filter((p) => trials.some((t) => t.id === p.trialId)), elapsedS: 60 });
  return mergeStudies('planted', [
    { purpose: 'compute', study: rows(compute, 'planted-compute') },
    { purpose: 'data', study: rows(data, 'planted-data') },
  ]);
}

async function report(s: Study, sensitivity = false): Promise<{ md: string; json: ReportJson }> {
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-report-'));
  try {
    const r = await writeStudyReport(s, dir, { bootstrap: 60, seed: 7, grid: GRID, sensitivity });
    return { md: readFileSync(r.report.markdown, 'utf8'), json: JSON.parse(readFileSync(r.report.json!, 'utf8')) as ReportJson };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('report scorecard on planted studies', () => {
  it('agrees with claims 1 and 2 when GATr is better by design, in report.md and report.json', async () => {
    const { md, json } = await report(plantedStudy(), true);
    assert.equal(json.flopConvention, FLOP_CONVENTION);
    assert.deepEqual(json.baselines, { noMotion: 0.5, constantVelocity: 0.2 }, 'the stored baselines, not re-simulated');
    assert.deepEqual(json.claims.map((c) => c.id), [1, 2, 3]);
    for (const c of json.claims) {
      assert.ok((VERDICTS as readonly string[]).includes(c.verdict), c.verdict);
      assert.ok(c.paper.length > 20 && c.measured.length > 20);
    }
    assert.equal(json.claims[0].verdict, 'agrees', json.claims[0].measured);
    assert.equal(json.claims[1].verdict, 'agrees', json.claims[1].measured);
    assert.deepEqual(json.fits.map((f) => f.family).sort(), ['gatr', 'transformer']);
    for (const f of json.fits) {
      assert.equal(f.status, 'determined', `${f.family}: ${f.reasons.join('; ')}`);
      assert.ok(f.alpha.interval, `${f.family} has an α interval`);
    }
    assert.ok(json.sensitivity, 'the sensitivity analysis is in report.json');
    assert.match(md, /### Claim 1: \*\*agrees\*\*/);
    assert.match(md, /## Sensitivity of the verdicts[\s\S]*\| flops=executed \|/);
    assert.match(md, /predicting no motion gives loss 0\.5 and extrapolating at constant velocity gives 0\.2/);
  });

  it('says "too weak to tell" for claims 1 and 2 when the laws are equal', async () => {
    const { md, json } = await report(plantedStudy(true));
    assert.equal(json.claims[0].verdict, 'too weak to tell', json.claims[0].measured);
    assert.equal(json.claims[1].verdict, 'too weak to tell', json.claims[1].measured);
    assert.match(md, /### Claim 2: \*\*too weak to tell\*\*/);
  });
});

describe('study helpers', () => {
  it('convergedOnValidation: a flat tail converged, a falling tail or a short curve not', () => {
    const c = (ls: number[]) => ls.map((loss, i) => ({ step: (i + 1) * 10, loss }));
    assert.equal(convergedOnValidation(c([1, 0.5, 0.4, 0.401, 0.402])), true);
    assert.equal(convergedOnValidation(c([1, 0.5, 0.4, 0.3, 0.2])), false);
    assert.equal(convergedOnValidation(c([1, 0.5, 0.5])), false);
    assert.equal(convergedOnValidation(undefined), false);
  });

  it("data-scaling runs with the worker's early stopping: epochs and samples from the steps trained, converged = stopped early; others read off the curve", () => {
    const mk = (trainSize: number, stopping: TrialRecord['stopping']): TrialRecord => {
      const t = record({ family: 'transformer', n: 1e4, d: 2000, flops: 2e9, seed: 0, loss: 0.1 }, 'transformer', trainSize);
      return { ...t, trial: { ...t.trial, training: { ...t.trial.training, batchSize: 4, evalEvery: 100, ...(stopping ? { earlyStopping: { patience: 3, minImprovement: 0.01 } } : {}) } }, stopping };
    };
    // steps = 2000, batch 4: the cap is 8000 samples
    const early = mk(400, { stoppedStep: 500, bestStep: 200, stoppedEarly: true });
    const capped = mk(400, { stoppedStep: 2000, bestStep: 1900, stoppedEarly: false });
    const old = mk(800, null);
    const flat = [1, 0.5, 0.4, 0.401, 0.402].map((loss, i) => ({ trialId: old.id, step: (i + 1) * 100, loss }));
    // a falling curve for the early-stopped run: the curve reading would say "not converged", the worker's report wins
    const falling = [1, 0.8, 0.6, 0.4, 0.2].map((loss, i) => ({ trialId: early.id, step: (i + 1) * 100, loss }));
    const study = studyFromRows({ name: 'es', spec: {}, baselines: null, trials: [early, capped, old], valPoints: [...falling, ...flat], elapsedS: 1 });
    const runs = new Map(studyInput(study).data.map((r) => [r.trialId, r]));
    const e = runs.get(early.id)!;
    assert.deepEqual([e.d, e.epochs, e.converged, e.convergedBy], [500 * 4, (500 * 4) / 400, true, 'early-stopping']);
    assert.equal(e.flops, early.trial.plan.nominalFlops / 4, 'own FLOPs prorated to the steps trained');
    assert.equal(e.executedFlops, early.trial.plan.executedFlops / 4);
    const c = runs.get(capped.id)!;
    assert.deepEqual([c.d, c.epochs, c.converged, c.convergedBy], [8000, 20, false, 'early-stopping']);
    const o = runs.get(old.id)!;
    assert.deepEqual([o.d, o.epochs, o.converged, o.convergedBy], [8000, 10, true, 'validation-curve']);
    const conv = dataConvergence(study, [...runs.values()]);
    assert.deepEqual(conv, { earlyStopping: 2, validationCurve: 1, rules: ['patience 3 evaluations every 100 steps, 1% minimum improvement'] });
    assert.match(convergenceSentence(conv), /^2 runs were trained with the worker's early stopping: such a run counts as converged when the worker's early stopping on the validation split \(patience 3 evaluations every 100 steps, 1% minimum improvement\) ended it before the step cap .*; the other 1 count as converged when .*read off its stored validation curve/);
    assert.match(convergenceSentence({ ...conv, validationCurve: 0 }), /^A run counts as converged when the worker's early stopping on the validation split .* ended it before the step cap; its test loss is that of its best-on-validation parameters/);
    assert.doesNotMatch(convergenceSentence({ ...conv, validationCurve: 0 }), /validation curve/);
    assert.match(convergenceSentence({ earlyStopping: 0, validationCurve: 3, rules: [] }), /^A run counts as converged when early stopping on validation \(patience 2 evaluations, 1% improvement\) would have stopped it, read off its stored validation curve/);
  });

  it('chooseLearningRates: lowest geometric-mean validation loss; a peak with a diverged run is out', () => {
    const base = record({ family: 'gatr', n: 1e4, d: 100, flops: 1e9, seed: 0, loss: 1 }, 'gatr', 1000);
    const t = (peak: number, valLoss: number, status: TrialRecord['status'] = 'completed'): TrialRecord => ({
      ...base,
      id: nextId++,
      status,
      valLoss: status === 'completed' ? valLoss : null,
      trial: { ...base.trial, training: { ...base.trial.training, lr: { ...base.trial.training.lr, peak } } },
    });
    const [c] = chooseLearningRates([t(1e-3, 0.5), t(1e-3, 0.4), t(3e-3, 0.3), t(3e-3, 0.35), t(1e-2, 0.1), t(1e-2, 0, 'diverged')]);
    assert.equal(c.family, 'gatr');
    assert.equal(c.chosen, 3e-3);
    assert.deepEqual(c.candidates.map((x) => x.peak), [1e-3, 3e-3]);
    assert.match(c.notes.join(), /peak 0\.01: 1 of 2 runs diverged/);
  });
});
