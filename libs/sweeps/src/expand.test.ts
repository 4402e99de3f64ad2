// Expansion logic (grid and iso-FLOP) against hand-written doubles of the science libs (testing/fake-deps.ts),
// whose closed-form ladders and FLOP counts let expected values be derived independently here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_CELLS, SweepSpecError, planSweep, expandSweep, modelDims, rigidBodyBenchmark, type TrialCell } from './index.js';
import { benchmarkConfigHash } from '@equiscale/rigid-body';
import { fakeDeps, fakeSummary } from './testing/fake-deps.js';

const SHAPES = { maxBodies: 3, maxVerts: 8, bodyFeatureCount: 4 };

const grid = () => ({
  name: 'expand-test',
  families: ['transformer', 'transformer+augment', 'gatr'],
  modelSizes: [{ index: 0 }, { index: 2 }],
  steps: [400, 100],
  trainSizes: [64, 256],
  seeds: [1, 0],
  perFamily: { gatr: { lr: { peak: 3e-4 }, batchSize: 16 } },
  eval: { every: 50, examples: 80 },
  checkpointEvery: 100,
});

function refused(fn: () => unknown): SweepSpecError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SweepSpecError, `expected SweepSpecError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the spec to be refused');
}

test('grid: one cell per point of families x sizes x steps x trainSizes x seeds, unique keys, fixed order', () => {
  const cells = expandSweep(grid(), fakeDeps);
  assert.equal(cells.length, 3 * 2 * 2 * 2 * 2);
  assert.equal(new Set(cells.map((c) => c.cellKey)).size, cells.length);
  assert.deepEqual(
    cells.slice(0, 9).map((c) => c.cellKey),
    [
      'transformer/s0/steps100/n64/seed0',
      'transformer/s0/steps100/n64/seed1',
      'transformer/s0/steps100/n256/seed0',
      'transformer/s0/steps100/n256/seed1',
      'transformer/s0/steps400/n64/seed0',
      'transformer/s0/steps400/n64/seed1',
      'transformer/s0/steps400/n256/seed0',
      'transformer/s0/steps400/n256/seed1',
      'transformer/s2/steps100/n64/seed0',
    ],
  );
  assert.deepEqual(
    [...new Set(cells.map((c) => c.family))],
    ['transformer', 'transformer+augment', 'gatr'],
    'families in spec order',
  );
  assert.deepEqual(expandSweep(grid(), fakeDeps), cells, 'deterministic');
});

test('grid: cells carry the resolved family, dims, settings and FLOP accounting', () => {
  const cells = expandSweep(grid(), fakeDeps);
  const byKey = new Map(cells.map((c) => [c.cellKey, c]));
  const t = byKey.get('transformer/s2/steps400/n256/seed1')!;
  const a = byKey.get('transformer+augment/s2/steps400/n256/seed1')!;
  const g = byKey.get('gatr/s2/steps400/n256/seed1')!;
  assert.deepEqual([t.modelFamily, t.augment, a.modelFamily, a.augment, g.modelFamily, g.augment], [
    'transformer', false, 'transformer', true, 'gatr', false,
  ]);
  assert.deepEqual(modelDims(t), fakeDeps.sizeLadder('transformer', 2));
  assert.ok(t.dims.transformer && !t.dims.gatr, 'exactly one architecture');
  assert.deepEqual(a.dims, t.dims, 'augmented transformer uses the same model');
  assert.deepEqual(modelDims(g), fakeDeps.sizeLadder('gatr', 2));
  const ts = fakeSummary(modelDims(t), SHAPES);
  assert.equal(t.plan.paramCount, ts.paramCount);
  assert.equal(t.plan.nominalFlopsPerSample, ts.nominalFlopsPerSample);
  assert.equal(t.plan.nominalFlops, ts.nominalFlopsPerSample * 64 * 400);
  assert.equal(t.plan.executedFlops, ts.executedFlopsPerSample * 64 * 400);
  assert.equal(g.plan.nominalFlops, fakeSummary(modelDims(g), SHAPES).nominalFlopsPerSample * 16 * 400);
  // built-in lr defaults, warmup = floor(0.05 * steps); gatr override
  assert.deepEqual(t.training.lr, { peak: 1e-3, kind: 'cosine', warmupSteps: 20, minRatio: 0.1, cooldownFraction: 0.2 });
  assert.equal(g.training.lr.peak, 3e-4);
  assert.equal(g.training.batchSize, 16);
  assert.equal(byKey.get('gatr/s0/steps100/n64/seed0')!.training.lr.warmupSteps, 5);
  assert.deepEqual([t.steps, t.trainSize, t.seed, t.sizeLabel, t.plan.flopBudget], [400, 256, 1, 's2', undefined]);
  assert.ok(!('flopBudget' in t.plan), 'a grid trial has no budget');
  const tr = t.training;
  assert.deepEqual([tr.evalEvery, tr.evalExamples, tr.checkpointEvery, tr.gradClip], [50, 80, 100, 1]);
  // the benchmark config stays with the sweep; the trial names it by hash
  const plan = planSweep(grid(), fakeDeps);
  assert.deepEqual(t.benchmark, { name: 'rigid-body', configHash: benchmarkConfigHash(rigidBodyBenchmark(plan.spec.benchmark)) });
  assert.equal(rigidBodyBenchmark(plan.spec.benchmark).maxBodies, 3);
  assert.ok(Object.isFrozen(t.benchmark));
});

test('model sizes by target parameter count and by explicit dims', () => {
  const spec = {
    ...grid(),
    families: ['transformer', 'gatr'],
    modelSizes: [
      { params: 12 * 2 * 16 ** 2 }, // exactly fake transformer rung 1
      { label: 'custom', dims: { transformer: { width: 40, depth: 1, heads: 4, mlpRatio: 2 }, gatr: { mvChannels: 3, sChannels: 6, blocks: 2, heads: 1 } } },
    ],
    steps: [100],
    trainSizes: [64],
    seeds: [0],
  };
  const cells = expandSweep(spec, fakeDeps);
  assert.deepEqual(
    cells.map((c) => c.cellKey),
    ['transformer/p6.144k/steps100/n64/seed0', 'transformer/custom/steps100/n64/seed0', 'gatr/p6.144k/steps100/n64/seed0', 'gatr/custom/steps100/n64/seed0'],
  );
  assert.deepEqual(modelDims(cells[0]!), fakeDeps.sizeLadder('transformer', 1));
  assert.deepEqual(modelDims(cells[2]!), fakeDeps.dimsForParams('gatr', 6144, SHAPES));
  assert.deepEqual(modelDims(cells[1]!), { family: 'transformer', width: 40, depth: 1, heads: 4, mlpRatio: 2 });
  assert.deepEqual(modelDims(cells[3]!), { family: 'gatr', mvChannels: 3, sChannels: 6, blocks: 2, heads: 1 });
});

test('sizes that resolve to the same model are refused, naming both entries', () => {
  const err = refused(() =>
    expandSweep({ ...grid(), modelSizes: [{ index: 1 }, { params: 12 * 2 * 16 ** 2 }] }, fakeDeps),
  );
  assert.equal(err.issues[0]!.path, 'modelSizes[1]');
  assert.match(err.issues[0]!.message, /same transformer dims as modelSizes\[0\]/);
});

test('a ladder index the models lib refuses is reported at its field', () => {
  const err = refused(() => expandSweep({ ...grid(), modelSizes: [{ index: 0 }, { index: 9 }] }, fakeDeps));
  assert.ok(err.issues.some((i) => i.path === 'modelSizes[1].index' && /no transformer model for it: fake ladder: index must be in/.test(i.message)));
  assert.ok(err.issues.some((i) => i.path === 'modelSizes[1].index' && /no gatr model/.test(i.message)));
});

test('a model the models lib cannot summarize is reported at its size entry', () => {
  const deps = {
    ...fakeDeps,
    summarize: (dims: Parameters<typeof fakeSummary>[0], shapes: Parameters<typeof fakeSummary>[1]) => {
      if (dims.family === 'transformer' && dims.width % dims.heads !== 0) throw new Error('width must be divisible by heads');
      return fakeSummary(dims, shapes);
    },
  };
  const err = refused(() =>
    expandSweep({ ...grid(), families: ['transformer'], modelSizes: [{ label: 'odd', dims: { transformer: { width: 10, depth: 1, heads: 4, mlpRatio: 4 } } }] }, deps),
  );
  assert.equal(err.issues[0]!.path, 'modelSizes[0]');
  assert.match(err.issues[0]!.message, /cannot build transformer model .*width must be divisible by heads/);
});

const isoflop = (over: Record<string, unknown> = {}) => ({
  name: 'isoflop-test',
  families: ['transformer', 'gatr'],
  training: { batchSize: 8 },
  design: { kind: 'isoflop', budgets: [1e10, 1e9], modelSizes: [{ index: 0 }, { index: 1 }, { index: 2 }], trainSize: 4096, ...over },
  seeds: [0],
});

test('isoflop: steps = round(budget / (nominal FLOPs per sample x batch size)) per family and size', () => {
  const plan = planSweep(isoflop(), fakeDeps);
  assert.equal(plan.dropped.length, 0);
  assert.equal(plan.cells.length, 2 * 3 * 2);
  for (const c of plan.cells) {
    const perSample = fakeSummary(modelDims(c), SHAPES).nominalFlopsPerSample;
    assert.equal(c.steps, Math.round(c.plan.flopBudget! / (perSample * 8)), c.cellKey);
    assert.ok(Math.abs(c.plan.nominalFlops - c.plan.flopBudget!) <= 0.5 * perSample * 8, 'within half a step of the budget');
    assert.equal(c.trainSize, 4096);
  }
  // a hand-checked cell: transformer rung 0 = 12*1*8^2 = 768 params, 6*768*3 = 13824 FLOPs/sample, batch 8
  const c = plan.cells.find((x) => x.cellKey === 'transformer/s0/C1e9/n4096/seed0')!;
  assert.equal(c.steps, Math.round(1e9 / (13824 * 8)));
  assert.equal(c.steps, 9042);
  assert.deepEqual(
    plan.cells.slice(0, 2).map((x) => x.cellKey),
    ['transformer/s0/C1e9/n4096/seed0', 'transformer/s0/C1e10/n4096/seed0'],
    'budgets ascending',
  );
});

test('isoflop: cells below the minimum step count are refused by default, naming the budget', () => {
  // gatr rung 2: 300*3*4^2 = 14400 params, 6*28*14400*3 FLOPs/sample; a 1e6 budget buys 0 steps
  const err = refused(() => planSweep(isoflop({ budgets: [1e6, 1e10] }), fakeDeps));
  let short = 0;
  for (const fam of ['transformer', 'gatr'] as const) {
    for (const i of [0, 1, 2]) {
      const perStep = fakeSummary(fakeDeps.sizeLadder(fam, i), SHAPES).nominalFlopsPerSample * 8;
      short += [1e6, 1e10].filter((b) => Math.round(b / perStep) < 1).length;
    }
  }
  assert.equal(err.issues.length, short);
  assert.ok(err.issues.every((i) => i.path === 'design.budgets'));
  // transformer rung 2: 12*3*32^2 params, 6*params*3 = 663552 FLOPs/sample, x8 > 1e6
  assert.match(err.issues[0]!.message, /^budget 1e6 FLOPs buys transformer size s2 only 0 steps \(6.63552e5 FLOPs per sample × batch 8; needs >= 1\); .*set design.tooFewSteps: drop/);
});

test('isoflop: with tooFewSteps: drop, short cells are left out and reported with the reason', () => {
  const plan = planSweep(isoflop({ budgets: [1e7, 1e10], tooFewSteps: 'drop', minSteps: 10 }), fakeDeps);
  const expectedDropped: string[] = [];
  for (const fam of ['transformer', 'gatr'] as const) {
    for (const i of [0, 1, 2]) {
      const perStep = fakeSummary(fakeDeps.sizeLadder(fam, i), SHAPES).nominalFlopsPerSample * 8;
      for (const b of [1e7, 1e10]) if (Math.round(b / perStep) < 10) expectedDropped.push(`${fam}/s${i}/C${b.toExponential().replace('e+', 'e')}/n4096/seed0`);
    }
  }
  assert.ok(expectedDropped.length > 0 && expectedDropped.length < 12, 'the budgets straddle the minimum');
  assert.deepEqual(plan.dropped.map((d) => d.cellKey), expectedDropped);
  assert.equal(plan.cells.length + plan.dropped.length, 12);
  for (const d of plan.dropped) {
    assert.ok(d.steps < 10);
    assert.match(d.reason, /only \d+ steps .*needs >= 10/);
  }
  assert.ok(plan.cells.every((c) => c.steps >= 10));
});

test('isoflop: a fixed warmup raises the minimum step count', () => {
  const spec = { ...isoflop({ budgets: [1e8], tooFewSteps: 'drop' }), training: { batchSize: 8, lr: { warmupSteps: 100 } } };
  const plan = planSweep(spec, fakeDeps);
  assert.ok(plan.dropped.length > 0);
  assert.ok(plan.dropped.every((d) => d.steps <= 100 && /to get past 100 warmup steps/.test(d.reason)));
  assert.ok(plan.cells.every((c) => c.steps > 100 && c.training.lr.warmupSteps === 100));
});

test('a sweep with too many cells is refused before expanding', () => {
  const seeds = Array.from({ length: 2000 }, (_, i) => i);
  const err = refused(() => expandSweep({ ...grid(), seeds, steps: Array.from({ length: 20 }, (_, i) => 100 + i) }, fakeDeps));
  assert.match(err.message, new RegExp(`more than ${MAX_CELLS}`));
});

test('property: cell count is the product of the axes and keys are unique', () => {
  const axis = (max: number) => fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: max });
  fc.assert(
    fc.property(
      fc.subarray(['transformer', 'transformer+augment', 'gatr'], { minLength: 1 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
      axis(3),
      axis(3),
      fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 3 }),
      (families, idx, steps, trainSizes, seeds) => {
        const cells: TrialCell[] = expandSweep(
          { name: 'prop', families, modelSizes: idx.map((index) => ({ index })), steps, trainSizes, seeds, training: { lr: { warmupSteps: 0 } } },
          fakeDeps,
        );
        assert.equal(cells.length, families.length * idx.length * steps.length * trainSizes.length * seeds.length);
        assert.equal(new Set(cells.map((c) => c.cellKey)).size, cells.length);
      },
    ),
    { numRuns: 60 },
  );
});

test('models: architecture options reach every size of their model family; transformer+augment-task augments with the task group', () => {
  const spec = {
    ...grid(),
    families: ['transformer', 'transformer+augment', 'transformer+augment-task', 'gatr'],
    models: { gatr: { attention: 'distance', reflections: 'ignore', output: 'vertex' }, transformer: { output: 'vertex' } },
  };
  const cells = expandSweep(spec, fakeDeps);
  for (const c of cells) {
    if (c.modelFamily === 'gatr') assert.deepEqual([c.dims.gatr!.output, c.dims.gatr!.attention, c.dims.gatr!.reflections], ['vertex', 'distance', 'ignore']);
    else assert.equal(c.dims.transformer!.output, 'vertex');
    assert.equal(c.augmentGroup, c.family === 'transformer+augment-task' ? 'task' : undefined, c.cellKey);
    assert.equal(c.augment, c.family.startsWith('transformer+augment'));
    // the models' dims read off the trial (what the worker trains) keep the options
    const dims = modelDims(c);
    assert.equal(dims.output, 'vertex');
  }
  // without `models` the dims carry no options (the models' defaults apply) and cells are unchanged
  const plain = expandSweep(grid(), fakeDeps);
  assert.ok(plain.every((c) => modelDims(c).output === undefined && c.augmentGroup === undefined));
  const e = refused(() => expandSweep({ ...grid(), models: { gatr: { attention: 'flash' } } }, fakeDeps));
  assert.match(e.message, /models\.gatr\.attention: expected one of sdp, distance, got "flash"/);
});

test('eval.earlyStopping is copied into every trial\'s training settings; absent, trials carry none', () => {
  const cells = expandSweep({ ...grid(), eval: { every: 50, examples: 80, earlyStopping: { patience: 3, minImprovement: 0.01 } } }, fakeDeps);
  assert.equal(cells.length, 3 * 2 * 2 * 2 * 2);
  for (const c of cells) {
    assert.deepEqual(c.training.earlyStopping, { patience: 3, minImprovement: 0.01 }, c.cellKey);
    assert.equal(c.training.evalEvery, 50);
    assert.equal(c.role, 'run');
  }
  // the settings are per trial, not shared objects
  assert.notEqual(cells[0]!.training.earlyStopping, cells[1]!.training.earlyStopping);
  assert.ok(expandSweep(grid(), fakeDeps).every((c) => !('earlyStopping' in c.training)));
});
