// The planner against the real science libs: @equiscale/rigid-body (benchmark config, shapes) and
// @equiscale/models (size ladder, dimsForParams, summarize). Includes the built-in example spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { sizeLadder, summarize } from '@equiscale/models';
import { benchmarkTaskShapes, loadSweepSpecFile, parseSweepSpec, planSweep, specHash, trialConfigFromCell } from './index.js';

const EXAMPLE = fileURLToPath(new URL('../examples/small.yaml', import.meta.url));

function gatrAccountingMissing(): string | undefined {
  try {
    summarize(sizeLadder('gatr', 0), { maxBodies: 4, maxVerts: 12, bodyFeatureCount: 10 });
    return undefined;
  } catch (e) {
    return `GATr accounting not available in @equiscale/models yet: ${e instanceof Error ? e.message : String(e)}`;
  }
}

test('the example spec loads, and YAML text and file give the same hash', () => {
  const spec = loadSweepSpecFile(EXAMPLE);
  assert.equal(spec.name, 'small-demo');
  assert.deepEqual(spec.families, ['transformer', 'transformer+augment', 'gatr']);
  assert.equal(specHash(parseSweepSpec(readFileSync(EXAMPLE, 'utf8'))), specHash(spec));
});

test('the example spec expands with the real libs (transformer families)', () => {
  const spec = loadSweepSpecFile(EXAMPLE);
  const plan = planSweep({ ...spec, families: ['transformer', 'transformer+augment'] });
  assert.ok(plan.spec.design.kind === 'grid');
  assert.equal(plan.cells.length, 2 * 3 * 2 * 2 * 1);
  const shapes = benchmarkTaskShapes(plan.spec.benchmark);
  assert.equal(shapes.maxBodies, 4);
  for (const c of plan.cells) {
    const index = Number(c.sizeLabel.slice(1));
    const summary = summarize(sizeLadder('transformer', index), shapes);
    assert.deepEqual(c.dims, summary.dims);
    assert.equal(c.paramCount, summary.paramCount);
    assert.equal(c.nominalFlops, summary.nominalFlopsPerSample * 32 * c.steps);
    assert.equal(trialConfigFromCell(c).family, 'transformer');
  }
});

test('the whole example spec expands with the real libs (all three families)', (t) => {
  const missing = gatrAccountingMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const plan = planSweep(loadSweepSpecFile(EXAMPLE));
  assert.equal(plan.cells.length, 3 * 3 * 2 * 2 * 1);
  assert.equal(new Set(plan.cells.map((c) => c.cellKey)).size, plan.cells.length);
  const g = plan.cells.filter((c) => c.family === 'gatr');
  assert.equal(g.length, 12);
  assert.ok(g.every((c) => c.dims.family === 'gatr' && c.lr.peak === 3e-4 && c.paramCount > 0 && c.nominalFlops > 0));
});

test('iso-FLOP steps from the real transformer FLOP accounting', () => {
  const plan = planSweep({
    name: 'isoflop-real',
    benchmark: { bodiesMax: 4, maxBodies: 4 },
    families: ['transformer'],
    training: { batchSize: 16 },
    design: { kind: 'isoflop', budgets: [1e12, 1e13], modelSizes: [{ index: 1 }, { index: 3 }, { params: 30000 }], trainSize: 2048 },
    seeds: [0, 1],
  });
  assert.equal(plan.cells.length, 3 * 2 * 2);
  const shapes = benchmarkTaskShapes(plan.spec.benchmark);
  for (const c of plan.cells) {
    const perSample = summarize(c.dims, shapes).nominalFlopsPerSample;
    assert.equal(c.steps, Math.round(c.flopBudget! / (perSample * 16)));
    assert.ok(c.steps >= 1);
  }
});
