/** `sweep plan --preset study`: the design the issue asks for, and an estimate within 90 minutes on 2 workers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presetPlan } from './sweep-plan.js';

describe('sweep plan --preset', () => {
  it('study: 3 families × ≥ 5 sizes over ≥ 30×, WSD trunks with ≥ 4 branches, fresh data, 3 seeds, LR sweep, data scaling over ≥ 30×, ≤ 90 min', () => {
    const p = presetPlan('study', 2);
    const d = p.design as {
      computeSizes: Record<string, { sizes: { params: number }[]; span: number }>;
      seeds: number[];
      wsd: { trunks: number; branchesPerTrunk: number };
      freshData: { eachSampleAtMostOnce: boolean };
      dataScalingSizes: { trainSizes: number[]; span: number; families: string[]; epochsAtCap: number[]; earlyStopping: { patience: number; minImprovement: number } | null };
      dataScaling: { earlyStopping: { patience: number; minImprovement: number; evalEvery: number; validationExamples: number }; convergence: string };
      learningRate: { candidates: number[]; sizes: string[] };
    };
    assert.deepEqual(Object.keys(d.computeSizes).sort(), ['gatr', 'transformer', 'transformer+augment']);
    for (const [f, s] of Object.entries(d.computeSizes)) {
      assert.ok(s.sizes.length >= 5, `${f}: ${s.sizes.length} sizes`);
      assert.ok(s.span >= 30, `${f}: span ${s.span}`);
    }
    assert.deepEqual(d.seeds, [0, 1, 2]);
    assert.ok(d.wsd.trunks > 0 && d.wsd.branchesPerTrunk >= 4);
    assert.equal(d.freshData.eachSampleAtMostOnce, true);
    assert.ok(d.dataScalingSizes.trainSizes.length >= 5 && d.dataScalingSizes.span >= 30);
    assert.deepEqual(d.dataScalingSizes.families.sort(), ['gatr', 'transformer', 'transformer+augment']);
    // trained to convergence: early stopping on validation in every data-scaling trial (the planned trials carry it)
    assert.deepEqual(d.dataScalingSizes.earlyStopping, { patience: 3, minImprovement: 0.01 });
    assert.deepEqual(d.dataScaling.earlyStopping, { patience: 3, minImprovement: 0.01, evalEvery: 100, validationExamples: 256 });
    assert.match(d.dataScaling.convergence, /never selected on test/);
    assert.equal(d.dataScalingSizes.epochsAtCap.length, 5);
    assert.match(p.estimate.basis, /the 45 trials with early stopping at their step cap \(an upper bound/);
    assert.equal(d.learningRate.sizes.length, 2);
    assert.ok(d.learningRate.candidates.length >= 2);
    assert.equal(p.stages.length, 2);
    assert.ok(p.stages[0]!.sweeps.every((s) => s.purpose === 'lr'));
    assert.deepEqual(p.stages[1]!.sweeps.map((s) => s.purpose), ['compute', 'data']);
    assert.ok(p.estimatedMinutes <= 90, `${p.estimatedMinutes} min`);
  });

  it('quick and demo: one sweep, within their promised times', () => {
    assert.ok(presetPlan('quick', 2).estimatedMinutes <= 2);
    assert.ok(presetPlan('demo', 2).estimatedMinutes <= 12);
  });
});
