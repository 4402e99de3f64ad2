// Issue 16's families in the registry, the spec (familyOptions) and the planned trials, with the real science libs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '@equiscale/models/accounting';
import { SWEEP_FAMILIES, SweepSpecError, benchmarkTaskShapes, modelDims, rigidBodyBenchmark, normalizeSpec, planSweep, specHash } from './index.js';

const ALL = SWEEP_FAMILIES.map((f) => f.name);
const spec = (over: Record<string, unknown> = {}) => ({
  name: 'symmetry-families',
  benchmark: { bodiesMin: 2, bodiesMax: 3, maxBodies: 3, valExamples: 16, testExamples: 16 },
  families: ALL,
  training: { batchSize: 8 },
  modelSizes: [{ index: 0 }, { index: 1 }],
  steps: [10, 20],
  trainSizes: [32],
  seeds: [0],
  ...over,
});

function refusalError(s: unknown): SweepSpecError {
  try {
    normalizeSpec(s);
  } catch (e) {
    assert.ok(e instanceof SweepSpecError, String(e));
    return e;
  }
  assert.fail('accepted');
}
const refusal = (s: unknown) => refusalError(s).message;

test('every family has a description, a source paper and a guarantee; the three new ones are there', () => {
  for (const f of SWEEP_FAMILIES) {
    assert.ok(f.description.length > 10 && f.source.length > 10, f.name);
    assert.ok(['exact', 'approximate', 'in expectation', 'none'].includes(f.guarantee), f.name);
  }
  const byName = Object.fromEntries(SWEEP_FAMILIES.map((f) => [f.name, f]));
  assert.equal(byName['gatr+approx']!.guarantee, 'approximate');
  assert.equal(byName['transformer+lps']!.guarantee, 'in expectation');
  assert.equal(byName['transformer+clone']!.guarantee, 'none');
  assert.equal(byName['gatr']!.guarantee, 'exact');
  assert.match(byName['transformer+lps']!.source, /Probabilistic Symmetrization/);
});

test('familyOptions are filled in only for listed families; specs without the new families hash as before', () => {
  const n = normalizeSpec(spec());
  assert.deepEqual(n.familyOptions, { 'gatr+approx': { inputs: 2 }, 'transformer+lps': { samples: 2, hidden: 16, noise: 4 }, 'transformer+clone': { fraction: 0.5 } });
  const old = spec({ families: ['transformer', 'gatr'] });
  assert.equal(normalizeSpec(old).familyOptions, undefined);
  assert.equal('familyOptions' in normalizeSpec(old), false);
  // options of a family the spec does not list are ignored (like perFamily)
  assert.equal(specHash(old), specHash({ ...old, familyOptions: { 'transformer+lps': { samples: 3 } } }));
  const custom = normalizeSpec(spec({ familyOptions: { 'transformer+lps': { samples: 4 } } }));
  assert.deepEqual(custom.familyOptions!['transformer+lps'], { samples: 4, hidden: 16, noise: 4 });
  // normalizing the normalized spec again changes nothing
  assert.equal(specHash(custom), specHash(normalizeSpec(custom)));
});

test('bad family options are refused naming the field', () => {
  assert.match(refusal(spec({ familyOptions: { 'transformer+lps': { samples: 0 } } })), /familyOptions\["transformer\+lps"\]\.samples: expected .*integer 1\.\.64\), got 0/);
  assert.match(refusal(spec({ familyOptions: { 'transformer+lps': { sample: 2 } } })), /familyOptions\["transformer\+lps"\]\.sample: unknown field/);
  assert.match(refusal(spec({ familyOptions: { 'gatr+approx': { inputs: 65 } } })), /familyOptions\["gatr\+approx"\]\.inputs/);
  assert.match(refusal(spec({ familyOptions: { 'transformer+clone': { fraction: 1 } } })), /familyOptions\["transformer\+clone"\]\.fraction: expected a fraction of the steps spent imitating the teacher \(0 < fraction < 1\), got 1/);
});

test('transformer+clone: every student waits for the gatr trial of its size, data, seed and steps; the teacher keeps its last checkpoint', () => {
  const plan = planSweep(spec({ families: ['transformer', 'gatr', 'transformer+clone'], familyOptions: { 'transformer+clone': { fraction: 0.25 } } }));
  const cell = (key: string) => plan.cells.find((c) => c.cellKey === key)!;
  const students = plan.cells.filter((c) => c.family === 'transformer+clone');
  assert.equal(students.length, 4);
  for (const st of students) {
    const teacher = cell(st.parent!);
    assert.equal(st.role, 'student');
    assert.equal(teacher.family, 'gatr');
    assert.deepEqual([teacher.sizeLabel, teacher.steps, teacher.trainSize, teacher.seed], [st.sizeLabel, st.steps, st.trainSize, st.seed]);
    assert.equal(st.branchStep, teacher.steps);
    assert.deepEqual(teacher.training.checkpointAt, [teacher.steps]);
    assert.equal(st.training.cloneSteps, Math.round(0.25 * st.steps));
    // own training + the teacher's forward passes while cloning (a third of its fwd+bwd per sample); the teacher's
    // whole training (one student each here) only in teacherNominalFlops
    const own = st.plan.nominalFlopsPerSample * 8 * st.steps;
    const inference = (teacher.plan.nominalFlopsPerSample / 3) * 8 * st.training.cloneSteps!;
    assert.ok(Math.abs(st.plan.nominalFlops / (own + inference) - 1) < 1e-12, `${st.plan.nominalFlops} vs ${own + inference}`);
    assert.equal(st.plan.teacherNominalFlops, teacher.plan.nominalFlops);
    assert.equal(st.plan.spentNominalFlops, st.plan.nominalFlops);
    assert.deepEqual(st.dims, cell(st.cellKey.replace('transformer+clone/', 'transformer/')).dims);
  }
  // cells that teach nobody are unchanged
  assert.deepEqual(cell('transformer/s0/steps10/n32/seed0').training.checkpointAt, []);
});

test('transformer+clone: a student without a teacher is refused naming families[i]; in a WSD sweep students run standalone', () => {
  assert.throws(
    () => planSweep(spec({ families: ['transformer', 'transformer+clone'] })),
    (e: unknown) =>
      e instanceof SweepSpecError &&
      e.issues.length === 1 &&
      e.issues[0]!.path === 'families[1]' &&
      /^transformer\+clone needs a gatr trial of the same model size, training-set size and seed as its teacher, and 4 cell\(s\) have none \(first: transformer\+clone\/s0\/steps10\/n32\/seed0\); add gatr to families/.test(e.issues[0]!.message),
  );
  const wsd = planSweep(spec({ families: ['gatr', 'transformer+clone'], training: { batchSize: 8, lr: { kind: 'wsd', cooldownFraction: 0.2 } } }));
  const students = wsd.cells.filter((c) => c.family === 'transformer+clone');
  assert.equal(wsd.cells.filter((c) => c.family === 'transformer+clone' && c.role === 'trunk').length, 0, 'no trunk for students');
  assert.equal(students.length, 4);
  for (const st of students) {
    const teacher = wsd.cells.find((c) => c.cellKey === st.parent)!;
    assert.equal(teacher.role, 'branch');
    assert.equal(st.training.lr.kind, 'wsd');
    assert.equal(st.training.lr.cooldownFraction, 0.2);
    assert.ok(teacher.training.checkpointAt.includes(teacher.steps));
  }
});

test('trials: approx and lps options land in the dims (what the worker trains) and in the plan', () => {
  const plan = planSweep(spec({ familyOptions: { 'transformer+lps': { samples: 3 }, 'gatr+approx': { inputs: 1 } } }));
  const shapes = benchmarkTaskShapes(rigidBodyBenchmark(plan.spec.benchmark));
  const cell = (key: string) => plan.cells.find((c) => c.cellKey === key)!;
  const approx = cell('gatr+approx/s1/steps20/n32/seed0');
  const gatr = cell('gatr/s1/steps20/n32/seed0');
  assert.equal(approx.dims.gatr!.approxInputs, 1);
  assert.equal(gatr.dims.gatr!.approxInputs, undefined);
  assert.equal('approxInputs' in gatr.dims.gatr!, false);
  assert.equal(approx.plan.paramCount, summarize(modelDims(approx), shapes).paramCount);
  assert.ok(approx.plan.paramCount > gatr.plan.paramCount);
  assert.ok(approx.plan.nominalFlops > gatr.plan.nominalFlops);

  const lps = cell('transformer+lps/s1/steps20/n32/seed0');
  const plain = cell('transformer/s1/steps20/n32/seed0');
  assert.deepEqual(lps.dims.transformer!.lps, { samples: 3, hidden: 16, noise: 4 });
  assert.deepEqual(modelDims(lps), { family: 'transformer', ...plain.dims.transformer!, lps: { samples: 3, hidden: 16, noise: 4 } });
  assert.equal('lps' in plain.dims.transformer!, false);
  // k base passes plus the frame network, per sample, forward + backward
  assert.ok(lps.plan.nominalFlopsPerSample > 3 * plain.plan.nominalFlopsPerSample);
  assert.equal(lps.plan.nominalFlops, lps.plan.nominalFlopsPerSample * 8 * 20);
  assert.equal(lps.plan.paramCount, summarize(modelDims(lps), shapes).paramCount);
});

test('iso-FLOP: an lps trial buys fewer steps than the plain transformer of the same size', () => {
  const plan = planSweep(
    spec({
      families: ['transformer', 'transformer+lps', 'gatr', 'gatr+approx'],
      modelSizes: undefined,
      steps: undefined,
      trainSizes: undefined,
      design: { kind: 'isoflop', budgets: [1e12], modelSizes: [{ index: 1 }], trainSize: 32 },
    }),
  );
  const by = (f: string) => plan.cells.find((c) => c.family === f)!;
  assert.ok(by('transformer+lps').steps < by('transformer').steps / 2, `lps ${by('transformer+lps').steps} vs plain ${by('transformer').steps} steps`);
  for (const c of plan.cells) assert.ok(Math.abs(c.plan.nominalFlops / 1e12 - 1) < 0.05, `${c.cellKey} spends ${c.plan.nominalFlops}`);
});
