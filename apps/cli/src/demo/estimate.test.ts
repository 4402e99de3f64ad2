/** The cost model behind `sweep plan` and the demo's ETA: GATr steps weigh more than transformer steps; a WSD branch costs its cooldown; the ETA is corrected by measured speed as work finishes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeSpec, planSweep } from '@equiscale/sweeps';
import { costWeightedEta, stepsRun, trialSeconds } from './estimate.js';
import { demoStudy } from './specs.js';

describe('trial cost estimate', () => {
  const cells = demoStudy('quick').stages[0]!(new Map()).flatMap((s) => planSweep(normalizeSpec(s.spec)).cells);
  it('weighs a GATr trial above a transformer trial of the same size and steps, and credits progress', () => {
    // the quick preset is a WSD sweep: compare the two families' trunks (80 steps each, run in full)
    const tf = cells.find((c) => c.family === 'transformer' && c.sizeLabel === 'L' && c.role === 'trunk')!;
    const ga = cells.find((c) => c.family === 'gatr' && c.sizeLabel === 'L' && c.role === 'trunk')!;
    assert.equal(ga.steps, 80);
    assert.ok(trialSeconds(ga) > 2 * trialSeconds(tf), `${trialSeconds(ga)} vs ${trialSeconds(tf)}`);
    assert.ok(trialSeconds(ga, 40) < trialSeconds(ga) / 2 + 0.01);
    assert.equal(trialSeconds(ga, 80), 0);
  });

  it('a WSD branch runs its cooldown only', () => {
    const wsd = planSweep(normalizeSpec(demoStudy('study').stages[1]!(new Map())[0]!.spec)).cells;
    const b = wsd.find((c) => c.role === 'branch')!;
    assert.equal(stepsRun(b), b.steps - b.branchStep!);
    const trunk = wsd.find((c) => c.cellKey === b.parent)!;
    assert.ok(trialSeconds(trunk) > trialSeconds(b));
  });

  it('ETA: the plan before anything ran, the measured speed once most work is done', () => {
    assert.equal(costWeightedEta(0, 0, 100, 2), 50);
    assert.equal(costWeightedEta(10, 0, 0, 2), 0);
    // 90% done, it took twice as long as estimated: the remaining 10 s estimate becomes ≈ 19 s
    const eta = costWeightedEta(180, 180, 20, 2)!;
    assert.ok(eta > 18 && eta < 20, String(eta));
  });
});
