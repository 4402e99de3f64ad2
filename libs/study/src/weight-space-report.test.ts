/**
 * A weight-space study's report names its benchmark, its baseline (the train-mean predictor), its FLOP convention,
 * the families at matched compute, and the seed paper's scorecard; a rigid-body study's report has no scorecard.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TrialRecord } from '@equiscale/sweeps';
import { bestWithin, matchedCompute, studyFromRows, weightSpaceScorecard, writeStudyReport, type ReportJson, type Study } from './index.js';

const GRID = { a: [0, 5], b: [0, 5], e: [-2, 0], alpha: [0.5], beta: [0.5] };

function rec(id: number, family: string, params: number, steps: number, testLoss: number): TrialRecord {
  const arch = family === 'dwsnet' ? 'dwsnet' : 'mlp';
  return {
    id,
    trial: {
      cellKey: `${family}/s${id}/steps${steps}/n128/seed0`,
      family,
      modelFamily: arch,
      augment: family === 'mlp+permute',
      sizeLabel: `s${id}`,
      dims: arch === 'dwsnet' ? { dwsnet: { channels: 2, layers: 2, headWidth: 8 } } : { mlp: { width: 8, depth: 1 } },
      benchmark: { name: 'weight-space', configHash: 'h' },
      training: { batchSize: 16, lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0 }, gradClip: 1, evalEvery: 0, evalExamples: 8, checkpointEvery: 0, checkpointAt: [] },
      seed: 0,
      steps,
      trainSize: 128,
      plan: { paramCount: params, nominalFlopsPerSample: 6 * params, nominalFlops: 6 * params * 16 * steps, executedFlops: 6 * params * 16 * steps },
    },
    parentId: null,
    status: 'completed',
    attempt: 1,
    progressStep: steps,
    leaseOwner: null,
    trainLoss: testLoss,
    valLoss: testLoss,
    testLoss,
    wallTimeS: 1,
    executedFlops: null,
    backend: 'cpu',
    error: null,
    symmetry: null,
  };
}

function wsStudy(): Study {
  const trials: TrialRecord[] = [];
  let id = 1;
  for (const [family, base] of [['mlp', 1.1], ['mlp+permute', 1.0], ['dwsnet', 0.7]] as const) {
    for (const params of [1000, 3000]) for (const steps of [20, 40, 80]) trials.push(rec(id++, family, params, steps, base * (1 + 50 / params + 2 / steps)));
  }
  return studyFromRows({
    name: 'ws-demo',
    spec: { benchmark: { kind: 'weight-space', hidden: [8, 8], targets: ['frequency', 'amplitude'], activation: 'sine' } },
    baselines: { noMotion: 0, constantVelocity: 0, predictMean: 0.99 },
    trials,
    valPoints: [],
    elapsedS: 10,
  });
}

describe('weight-space report', () => {
  it('names the benchmark, the mean baseline, the families at matched compute and the scorecard', async () => {
    const s = wsStudy();
    const m = matchedCompute(s);
    assert.equal(m.families.length, 3);
    assert.ok(m.budgets.length >= 1);
    const top = m.budgets[m.budgets.length - 1];
    for (const f of m.families) assert.ok(bestWithin(s.trials, f, top)!.trial.plan.nominalFlops <= top);
    const card = weightSpaceScorecard(s);
    assert.deepEqual(card.map((r) => r.verdict), ['holds', 'holds', 'holds', 'holds']);
    assert.match(card[0].evidence, /test loss dwsnet [0-9.]+ vs mlp [0-9.]+ at C ≤/);

    const dir = mkdtempSync(join(tmpdir(), 'equiscale-ws-report-'));
    try {
      const r = await writeStudyReport(s, dir, { bootstrap: 0, seed: 1, grid: GRID, sensitivity: false });
      const md = readFileSync(r.report.markdown, 'utf8');
      assert.match(md, /Benchmark: \*\*weight-space\*\*/);
      assert.match(md, /predicting the training mean of every target gives loss 0\.99/);
      assert.match(md, /## Families at matched compute/);
      assert.match(md, /## Scorecard: the seed paper’s claims/);
      assert.match(md, /libs\/weight-space accounting/);
      assert.doesNotMatch(md, /no motion/);
      const json = JSON.parse(readFileSync(r.report.json!, 'utf8')) as ReportJson;
      assert.equal(json.benchmark, 'weight-space');
      assert.match(json.flopConvention, /multiply-accumulate/);
      assert.equal(json.scorecard?.length, 4);
      assert.equal(json.baselines?.predictMean, 0.99);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rigid-body study keeps its wording and has no scorecard', () => {
    const s = studyFromRows({ name: 'rb', spec: { benchmark: { maxBodies: 3 } }, baselines: null, trials: [], valPoints: [], elapsedS: 0 });
    assert.deepEqual(weightSpaceScorecard({ ...s, trials: [] }).map((r) => r.verdict), ['not tested', 'not tested', 'not tested', 'not tested']);
  });
});
