// A spec selects its benchmark (benchmark.kind): field-named refusals, rigid-body hashes unchanged, and the
// weight-space plan sized with libs/weight-space's accounting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeWeightSpace, weightSpaceSizeLadder } from '@equiscale/weight-space/accounting';
import { weightSpaceConfigHash, validateWeightSpaceConfig } from '@equiscale/weight-space';
import { SweepSpecError, normalizeSpec, planSweep, specHash, weightSpaceDimsOf } from './index.js';
import { fakeDeps } from './testing/fake-deps.js';

const rigid = () => ({
  name: 'rb',
  families: ['transformer', 'gatr'],
  modelSizes: [{ index: 0 }],
  steps: [100],
  trainSizes: [64],
  seeds: [0],
});

const ws = (extra: Record<string, unknown> = {}) => ({
  name: 'ws',
  benchmark: { kind: 'weight-space', hidden: [8, 8], fitSteps: 20, valExamples: 32, testExamples: 32 },
  families: ['mlp', 'mlp+permute', 'dwsnet'],
  training: { batchSize: 16 },
  modelSizes: [{ index: 0 }, { index: 1 }],
  steps: [20, 40],
  trainSizes: [64],
  seeds: [0],
  ...extra,
});

function refusal(spec: unknown): SweepSpecError {
  try {
    normalizeSpec(spec, fakeDeps);
  } catch (e) {
    assert.ok(e instanceof SweepSpecError, String(e));
    return e;
  }
  assert.fail('the spec was accepted');
}

test('a bad benchmark.kind is refused in one line naming the field', () => {
  for (const kind of ['weightspace', 'rigid', 3, null, ['weight-space']]) {
    const e = refusal({ ...rigid(), benchmark: { kind } });
    const issue = e.issues.find((i) => i.path === 'benchmark.kind');
    assert.ok(issue, `${JSON.stringify(kind)}: ${e.message}`);
    assert.match(issue.message, /^expected one of rigid-body, weight-space, got .*; omit it for rigid-body$/);
    assert.ok(!issue.message.includes('\n'));
    assert.match(e.message, /benchmark\.kind: expected one of rigid-body, weight-space/);
  }
  // a typo in the kind of a weight-space spec is that one line, not a cascade about its families and fields
  const e = refusal(ws({ benchmark: { ...ws().benchmark, kind: 'weightspace' } }));
  assert.deepEqual(e.issues.map((i) => i.path), ['benchmark.kind']);
  assert.equal(e.message.split('\n').length, 2, e.message);
});

test('rigid-body is the default: writing kind: rigid-body changes neither the spec nor its hash', () => {
  const a = normalizeSpec(rigid(), fakeDeps);
  const b = normalizeSpec({ ...rigid(), benchmark: { kind: 'rigid-body' } }, fakeDeps);
  assert.deepEqual(a, b);
  assert.ok(!('kind' in a.benchmark));
  assert.equal(specHash(rigid(), fakeDeps), specHash({ ...rigid(), benchmark: { kind: 'rigid-body' } }, fakeDeps));
});

test('families must belong to the benchmark; weight-space config errors name the field', () => {
  let e = refusal({ ...ws(), families: ['mlp', 'gatr'] });
  assert.match(e.issues.find((i) => i.path === 'families[1]')!.message, /gatr is not a weight-space family; use one of mlp, mlp\+permute, dwsnet/);
  e = refusal({ ...rigid(), families: ['dwsnet'] });
  assert.match(e.issues.find((i) => i.path === 'families[0]')!.message, /dwsnet is not a rigid-body family/);
  e = refusal(ws({ benchmark: { kind: 'weight-space', hidden: [1] } }));
  assert.match(e.issues.find((i) => i.path === 'benchmark.hidden')!.message, /^weight-space\.hidden must list/);
  e = refusal(ws({ benchmark: { kind: 'weight-space', bodiesMax: 3 } }));
  assert.ok(e.issues.some((i) => i.path === 'benchmark.bodiesMax' || i.path === 'benchmark'), e.message);
  e = refusal(ws({ eval: { every: 10, earlyStopping: { patience: 3, minImprovement: 0.01 } } }));
  assert.deepEqual(e.issues.map((i) => [i.path, i.message]), [['eval.earlyStopping', 'the weight-space trainer has no early stopping; remove eval.earlyStopping for the weight-space benchmark']]);
  e = refusal(ws({ modelSizes: [{ label: 'x', dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 2 } } }] }));
  assert.ok(e.issues.some((i) => i.path === 'modelSizes[0].dims' && /not supported for the weight-space families/.test(i.message)), e.message);
});

test('a weight-space spec plans trials with the weight-space families and accounting', () => {
  const plan = planSweep(ws(), fakeDeps);
  const cfg = validateWeightSpaceConfig(ws().benchmark);
  assert.equal((plan.spec.benchmark as { kind?: string }).kind, 'weight-space');
  assert.equal(plan.cells.length, 3 * 2 * 2);
  const shapes = { sizes: [1, 8, 8, 1], targetCount: 2 };
  for (const t of plan.cells) {
    assert.deepEqual(t.benchmark, { name: 'weight-space', configHash: weightSpaceConfigHash(cfg) });
    assert.equal(t.modelFamily, t.family === 'dwsnet' ? 'dwsnet' : 'mlp');
    assert.equal(t.augment, t.family === 'mlp+permute');
    const dims = weightSpaceDimsOf(t);
    const rung = Number(t.sizeLabel.slice(1));
    assert.deepEqual(dims, weightSpaceSizeLadder(t.family, rung));
    const s = summarizeWeightSpace(t.family, dims, shapes);
    assert.equal(t.plan.paramCount, s.paramCount);
    assert.equal(t.plan.nominalFlopsPerSample, s.nominalFlopsPerSample);
    assert.equal(t.plan.nominalFlops, s.nominalFlopsPerSample * 16 * t.steps);
    assert.ok(t.dims.mlp ? !t.dims.dwsnet && !t.dims.transformer : t.dims.dwsnet && !t.dims.gatr);
  }
  // params: the rung nearest in log scale, per architecture
  const byParams = planSweep(ws({ modelSizes: [{ params: 5000 }] }), fakeDeps);
  assert.deepEqual(byParams.cells.map((c) => c.sizeLabel), Array(6).fill('p5k'));
  // the hash depends on the weight-space config
  assert.notEqual(specHash(ws(), fakeDeps), specHash(ws({ benchmark: { ...ws().benchmark, seed: 1 } }), fakeDeps));
});

test('a weight-space spec refuses WSD schedules (the weight-space trainer keeps no branch-point checkpoints)', () => {
  const e = refusal(ws({ training: { batchSize: 16, lr: { kind: 'wsd', cooldownFraction: 0.2 } } }));
  assert.match(e.issues.find((i) => i.path === 'training.lr.kind')!.message, /^wsd is not supported on the weight-space benchmark/);
});
