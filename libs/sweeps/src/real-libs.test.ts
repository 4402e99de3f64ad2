// The planner against the real science libs: @equiscale/rigid-body (benchmark config, shapes) and
// @equiscale/models (size ladder, dimsForParams, summarize). Includes the built-in example spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { sizeLadder, summarize } from '@equiscale/models/accounting';
import { benchmarkTaskShapes, loadSweepSpecFile, parseSweepSpec, planSweep, specHash, modelDims, rigidBodyBenchmark } from './index.js';

const EXAMPLE = fileURLToPath(new URL('../examples/small.yaml', import.meta.url));

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
  const shapes = benchmarkTaskShapes(rigidBodyBenchmark(plan.spec.benchmark));
  assert.equal(shapes.maxBodies, 4);
  for (const c of plan.cells) {
    const index = Number(c.sizeLabel.slice(1));
    const summary = summarize(sizeLadder('transformer', index), shapes);
    assert.deepEqual(modelDims(c), summary.dims);
    assert.equal(c.plan.paramCount, summary.paramCount);
    assert.equal(c.plan.nominalFlops, summary.nominalFlopsPerSample * 32 * c.steps);
    assert.equal(c.modelFamily, 'transformer');
  }
});

test('the whole example spec expands with the real libs (all three families)', () => {
  const plan = planSweep(loadSweepSpecFile(EXAMPLE));
  assert.equal(plan.cells.length, 3 * 3 * 2 * 2 * 1);
  assert.equal(new Set(plan.cells.map((c) => c.cellKey)).size, plan.cells.length);
  const g = plan.cells.filter((c) => c.family === 'gatr');
  assert.equal(g.length, 12);
  const shapes = benchmarkTaskShapes(rigidBodyBenchmark(plan.spec.benchmark));
  for (const c of g) {
    const summary = summarize(sizeLadder('gatr', Number(c.sizeLabel.slice(1))), shapes);
    assert.deepEqual(modelDims(c), summary.dims);
    assert.equal(c.plan.paramCount, summary.paramCount);
    assert.equal(c.plan.nominalFlops, summary.nominalFlopsPerSample * 32 * c.steps);
    assert.equal(c.training.lr.peak, 3e-4, 'perFamily override');
    assert.ok(c.dims.gatr && !c.dims.transformer);
  }
  // the augmented transformer trains the same models as the plain one
  const t = plan.cells.filter((c) => c.family === 'transformer');
  const a = plan.cells.filter((c) => c.family === 'transformer+augment');
  assert.deepEqual(a.map((c) => c.dims), t.map((c) => c.dims));
  assert.ok(a.every((c) => c.augment) && t.every((c) => !c.augment));
});

test('iso-FLOP steps from the real FLOP accounting of both architectures', () => {
  const plan = planSweep({
    name: 'isoflop-real',
    benchmark: { bodiesMax: 4, maxBodies: 4 },
    families: ['transformer', 'gatr'],
    training: { batchSize: 16 },
    design: { kind: 'isoflop', budgets: [1e12, 1e13], modelSizes: [{ index: 1 }, { index: 3 }, { params: 300000 }], trainSize: 2048 },
    seeds: [0, 1],
  });
  assert.equal(plan.cells.length, 2 * 3 * 2 * 2);
  const shapes = benchmarkTaskShapes(rigidBodyBenchmark(plan.spec.benchmark));
  // GATr spends more nominal FLOPs per parameter than a dense transformer (gatr-spec.md section 5)
  const at = (key: string) => plan.cells.find((c) => c.cellKey === key)!;
  const t = at('transformer/p300k/C1e12/n2048/seed0');
  const g = at('gatr/p300k/C1e12/n2048/seed0');
  assert.ok(g.plan.nominalFlopsPerSample / g.plan.paramCount > t.plan.nominalFlopsPerSample / t.plan.paramCount);
  for (const c of plan.cells) {
    const perSample = summarize(modelDims(c), shapes).nominalFlopsPerSample;
    assert.equal(c.steps, Math.round(c.plan.flopBudget! / (perSample * 16)));
    assert.ok(c.steps >= 1);
  }
});
