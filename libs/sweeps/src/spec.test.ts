// Parsing, validation, normalization and hashing of sweep specs (real @equiscale/rigid-body benchmark config).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify as toYaml } from 'yaml';
import { defaultBenchmarkConfig, validateBenchmarkConfig } from '@equiscale/rigid-body';
import { DEFAULT_CHECKPOINT_EVERY, SweepSpecError, isGridSpec, normalizeSpec, parseSpecText, parseSweepSpec, rigidBodyBenchmark, specHash } from './index.js';

const base = () => ({
  name: 'unit-test',
  families: ['transformer', 'gatr'],
  modelSizes: [{ index: 0 }, { index: 1 }],
  steps: [100, 200],
  trainSizes: [64, 128],
  seeds: [0, 1],
});

type Spec = Record<string, any>;

function refused(fn: () => unknown): SweepSpecError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SweepSpecError, `expected SweepSpecError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the spec to be refused');
}

// [case, mutate the base spec, field path that must be named, message pattern]
const MALFORMED: [string, (s: Spec) => void, string, RegExp][] = [
  ['missing name', (s) => delete s.name, 'name', /missing; set it to a slug/],
  ['name not a slug', (s) => (s.name = 'My Sweep'), 'name', /expected a slug.*got "My Sweep"/],
  ['name wrong type', (s) => (s.name = 12), 'name', /expected a slug.*got 12/],
  ['missing families', (s) => delete s.families, 'families', /missing/],
  ['empty families', (s) => (s.families = []), 'families', /empty; list at least one value/],
  [
    'unknown family',
    (s) => (s.families = ['transformer', 'gatr', 'gatrr']),
    'families[2]',
    /unknown family "gatrr"; use one of transformer, transformer\+augment, transformer\+augment-task, gatr, gatr\+approx, transformer\+lps, transformer\+clone \(did you mean "gatr"\?\)/,
  ],
  ['duplicate family', (s) => (s.families = ['gatr', 'gatr']), 'families[1]', /duplicate family "gatr".*families\[0\]/],
  ['families not a list', (s) => (s.families = 'gatr'), 'families', /expected a list of family names/],
  ['negative steps', (s) => (s.steps = [100, -5]), 'steps[1]', /positive integer.*got -5/],
  ['non-integer steps', (s) => (s.steps = [1.5]), 'steps[0]', /positive integer.*got 1.5/],
  ['steps wrong type', (s) => (s.steps = '100'), 'steps', /expected a list of step counts, got "100"/],
  ['steps missing (grid)', (s) => delete s.steps, 'steps', /missing; the grid design needs a list of step counts/],
  ['empty steps', (s) => (s.steps = []), 'steps', /empty/],
  ['duplicate steps', (s) => (s.steps = [100, 200, 100]), 'steps[2]', /duplicate step count 100/],
  ['zero train size', (s) => (s.trainSizes = [0, 64]), 'trainSizes[0]', /positive integer.*got 0/],
  ['duplicate train size', (s) => (s.trainSizes = [64, 64]), 'trainSizes[1]', /duplicate training-set size 64/],
  ['missing trainSizes', (s) => delete s.trainSizes, 'trainSizes', /missing/],
  ['negative seed', (s) => (s.seeds = [-1]), 'seeds[0]', /seed \(integer >= 0\), got -1/],
  ['empty seeds', (s) => (s.seeds = []), 'seeds', /empty/],
  ['missing seeds', (s) => delete s.seeds, 'seeds', /missing/],
  ['duplicate seed', (s) => (s.seeds = [3, 3]), 'seeds[1]', /duplicate seed 3/],
  ['empty model size', (s) => (s.modelSizes = [{}]), 'modelSizes[0]', /give one of index .*, params .* or dims/],
  ['two size kinds', (s) => (s.modelSizes = [{ index: 1, params: 500 }]), 'modelSizes[0]', /give only one of index, params/],
  ['negative ladder index', (s) => (s.modelSizes = [{ index: -1 }]), 'modelSizes[0].index', /integer >= 0.*got -1/],
  ['duplicate size', (s) => (s.modelSizes = [{ index: 0 }, { index: 0 }]), 'modelSizes[1]', /duplicate size label "s0"/],
  ['params not a number', (s) => (s.modelSizes = [{ params: '1e5' }]), 'modelSizes[0].params', /got "1e5"/],
  [
    'explicit dims missing a family',
    (s) => (s.modelSizes = [{ label: 'tiny', dims: { transformer: { width: 8, depth: 1, heads: 2, mlpRatio: 4 } } }]),
    'modelSizes[0].dims.gatr',
    /missing; families gatr need gatr dims/,
  ],
  [
    'explicit dims without label',
    (s) => (s.families = ['transformer']) && (s.modelSizes = [{ dims: { transformer: { width: 8, depth: 1, heads: 2, mlpRatio: 4 } } }]),
    'modelSizes[0].label',
    /missing; explicit dims need a label/,
  ],
  [
    'explicit dims wrong type',
    (s) => (s.modelSizes = [{ label: 'x', dims: { gatr: { mvChannels: 'four', sChannels: 8, blocks: 1, heads: 1 } } }]),
    'modelSizes[0].dims.gatr.mvChannels',
    /expected a positive integer, got "four"/,
  ],
  [
    'explicit dims missing field',
    (s) => (s.modelSizes = [{ label: 'x', dims: { gatr: { mvChannels: 2, sChannels: 8, heads: 1 } } }]),
    'modelSizes[0].dims.gatr.blocks',
    /missing/,
  ],
  ['unknown top-level field', (s) => (s.seed = 1), 'seed', /unknown field; allowed fields are .* \(did you mean "seeds"\?\)/],
  ['lr peak negative', (s) => (s.training = { lr: { peak: -1 } }), 'training.lr.peak', /learning rate > 0, got -1/],
  ['lr kind unknown', (s) => (s.training = { lr: { kind: 'linear' } }), 'training.lr.kind', /one of cosine, constant-cooldown, wsd, got "linear"/],
  ['lr unknown field', (s) => (s.training = { lr: { warmup: 10 } }), 'training.lr.warmup', /unknown field; .*did you mean "warmupSteps" or "warmupFraction"\?/],
  [
    'both warmups',
    (s) => (s.perFamily = { gatr: { lr: { warmupSteps: 10, warmupFraction: 0.1 } } }),
    'perFamily.gatr.lr',
    /either warmupSteps or warmupFraction, not both/,
  ],
  ['warmupFraction >= 1', (s) => (s.training = { lr: { warmupFraction: 1 } }), 'training.lr.warmupFraction', /\[0, 1\), got 1/],
  [
    'warmup + cooldown over 1',
    (s) => (s.perFamily = { gatr: { lr: { kind: 'constant-cooldown', warmupFraction: 0.5, cooldownFraction: 0.6 } } }),
    'perFamily.gatr.lr',
    /warmupFraction 0.5 \+ cooldownFraction 0.6 exceed 1 \(family gatr\)/,
  ],
  ['unknown perFamily family', (s) => (s.perFamily = { gatrr: { batchSize: 8 } }), 'perFamily.gatrr', /unknown family; use one of/],
  [
    'zero batch size (family name with +)',
    (s) => (s.perFamily = { 'transformer+augment': { batchSize: 0 } }),
    'perFamily["transformer+augment"].batchSize',
    /batch size \(positive integer\), got 0/,
  ],
  ['negative gradClip', (s) => (s.training = { gradClip: -1 }), 'training.gradClip', />= 0/],
  ['unknown benchmark field', (s) => (s.benchmark = { bodyMax: 3 }), 'benchmark.bodyMax', /unknown benchmark field; .*did you mean "bodiesMax"/],
  ['benchmark field wrong type', (s) => (s.benchmark = { maxBodies: 'six' }), 'benchmark.maxBodies', /expected a number \(default \d+\), got "six"/],
  ['benchmark not a mapping', (s) => (s.benchmark = [1]), 'benchmark', /expected a mapping/],
  ['benchmark invalid (validateBenchmarkConfig)', (s) => (s.benchmark = { bodiesMax: 9, maxBodies: 6 }), 'benchmark.bodiesMax', /BenchmarkConfig.bodiesMax \(9\) exceeds maxBodies \(6\)/],
  ['eval examples above valExamples', (s) => (s.eval = { examples: 10 ** 7 }), 'eval.examples', /more than the benchmark's \d+ validation examples/],
  ['negative eval every', (s) => (s.eval = { every: -10 }), 'eval.every', /integer >= 0/],
  ['negative checkpointEvery', (s) => (s.checkpointEvery = -1), 'checkpointEvery', /integer >= 0/],
  [
    'early stopping without periodic evaluations',
    (s) => (s.eval = { earlyStopping: { patience: 3, minImprovement: 0.01 } }),
    'eval.every',
    /^early stopping \(eval.earlyStopping\) stops on the periodic validation evaluations: set eval.every > 0 \(e.g. 100\), or remove eval.earlyStopping$/,
  ],
  [
    'early stopping with a wsd schedule',
    (s) => ((s.training = { lr: { kind: 'wsd', cooldownFraction: 0.2 } }), (s.eval = { every: 10, earlyStopping: { patience: 3, minImprovement: 0.01 } })),
    'eval.earlyStopping',
    /^early stopping cannot be used with lr.kind wsd \(families transformer, gatr\): a WSD trunk must run to its branch points; use lr.kind cosine or constant-cooldown, or remove eval.earlyStopping$/,
  ],
  [
    'early stopping with a wsd schedule of one family',
    (s) => ((s.perFamily = { gatr: { lr: { kind: 'wsd', cooldownFraction: 0.2 } } }), (s.eval = { every: 10, earlyStopping: { patience: 3, minImprovement: 0.01 } })),
    'eval.earlyStopping',
    /lr.kind wsd \(families gatr\)/,
  ],
  ['early stopping patience 0', (s) => (s.eval = { every: 10, earlyStopping: { patience: 0, minImprovement: 0.01 } }), 'eval.earlyStopping.patience', /integer 1\.\.1000\), got 0/],
  ['early stopping minImprovement 1', (s) => (s.eval = { every: 10, earlyStopping: { patience: 3, minImprovement: 1 } }), 'eval.earlyStopping.minImprovement', /in \[0, 1\), e.g. 0.01, got 1/],
  ['early stopping without minImprovement', (s) => (s.eval = { every: 10, earlyStopping: { patience: 3 } }), 'eval.earlyStopping.minImprovement', /^missing; set it to a relative improvement/],
  ['early stopping field typo', (s) => (s.eval = { every: 10, earlyStopping: { patient: 3, minImprovement: 0.01 } }), 'eval.earlyStopping.patient', /unknown field; .*did you mean "patience"\?/],
  ['early stopping not a mapping', (s) => (s.eval = { every: 10, earlyStopping: true }), 'eval.earlyStopping', /expected an early-stopping mapping \{ patience, minImprovement \}/],
  ['zero maxAttempts', (s) => (s.maxAttempts = 0), 'maxAttempts', /integer 1\.\.100\), got 0/],
  ['unknown design kind', (s) => (s.design = { kind: 'random' }), 'design.kind', /grid or isoflop, got "random"/],
  ['grid with budgets', (s) => (s.design = { kind: 'grid', budgets: [1e12] }), 'design.budgets', /only used with design kind isoflop/],
  [
    'isoflop without budgets',
    (s) => {
      s.design = { kind: 'isoflop', modelSizes: s.modelSizes, trainSize: 64 };
      delete s.modelSizes;
      delete s.steps;
      delete s.trainSizes;
    },
    'design.budgets',
    /missing; the isoflop design needs a list of FLOP budgets/,
  ],
  [
    'isoflop with steps',
    (s) => {
      s.design = { kind: 'isoflop', budgets: [1e12], modelSizes: s.modelSizes, trainSize: 64 };
      delete s.modelSizes;
      delete s.trainSizes;
    },
    'steps',
    /not used with design kind isoflop; steps are derived from design.budgets/,
  ],
  [
    'isoflop zero budget',
    (s) => {
      s.design = { kind: 'isoflop', budgets: [0], modelSizes: s.modelSizes, trainSize: 64 };
      delete s.modelSizes;
      delete s.steps;
      delete s.trainSizes;
    },
    'design.budgets[0]',
    /FLOP budget > 0, got 0/,
  ],
  [
    'warmup steps not below smallest step count',
    (s) => (s.training = { lr: { warmupSteps: 100 } }),
    'training.lr.warmupSteps',
    /^100 warmup steps is not below the smallest step count 100; lower it or use warmupFraction$/,
  ],
  [
    'warmup steps of one family',
    (s) => (s.perFamily = { gatr: { lr: { warmupSteps: 150 } } }),
    'perFamily.gatr.lr.warmupSteps',
    /150 warmup steps is not below the smallest step count 100/,
  ],
];

for (const [name, mutate, path, pattern] of MALFORMED) {
  test(`refuses malformed spec: ${name}`, () => {
    const spec: Spec = base();
    mutate(spec);
    const err = refused(() => normalizeSpec(spec));
    const issue = err.issues.find((i) => i.path === path);
    assert.ok(issue, `no issue at ${path}; got:\n${err.message}`);
    assert.match(issue.message, pattern);
    assert.ok(err.message.includes(`${path}: ${issue.message}`), 'the error message lists the issue with its path');
  });
}

test('the base spec of the malformed table is itself valid', () => {
  const n = normalizeSpec(base());
  assert.equal(n.name, 'unit-test');
});

test('reports every problem at once, one line per issue', () => {
  const err = refused(() => normalizeSpec({ ...base(), name: 'X', steps: [-1], seeds: [] }));
  assert.deepEqual(err.issues.map((i) => i.path).sort(), ['name', 'seeds', 'steps[0]']);
  assert.equal(err.message.split('\n').length, 4);
});

test('refuses a top level that is not a mapping', () => {
  for (const text of ['[1, 2]', '42', '"spec"']) {
    const err = refused(() => parseSweepSpec(text, 'yaml'));
    assert.match(err.message, /expected a mapping of spec fields/);
  }
});

const TEXT_ERRORS: [string, string, 'yaml' | 'json' | undefined, RegExp][] = [
  ['unclosed flow list', 'name: a\nfamilies: [gatr\nseeds: [0]\n', undefined, /YAML syntax error at line 3, column 1 \(near "seeds: \[0\]"\)/],
  ['duplicate key', 'name: a\nseeds: [0]\nseeds: [1]\n', undefined, /YAML syntax error at line 3.*Map keys must be unique/],
  ['bad indentation', 'name: a\nsteps:\n  - 1\n - 2\n', 'yaml', /YAML syntax error at line 4/],
  ['trailing comma JSON', '{"name": "a",}', undefined, /JSON syntax error at line 1, column \d+/],
  ['empty file', '', 'yaml', /the spec is empty/],
  ['two documents', 'name: a\n---\nname: b\n', 'yaml', /2 YAML documents/],
];

for (const [name, text, format, pattern] of TEXT_ERRORS) {
  test(`refuses bad syntax: ${name}`, () => {
    const err = refused(() => parseSweepSpec(text, format));
    assert.match(err.message, pattern);
  });
}

test('normalizeSpec fills defaults, sorts numeric axes and is idempotent', () => {
  const n = normalizeSpec({ ...base(), steps: [200, 100], seeds: [1, 0] });
  assert.ok(isGridSpec(n));
  assert.deepEqual(n.steps, [100, 200]);
  assert.deepEqual(n.seeds, [0, 1]);
  assert.equal(n.maxAttempts, 3);
  assert.deepEqual(n.benchmark, validateBenchmarkConfig(defaultBenchmarkConfig()));
  assert.equal(n.eval.examples, defaultBenchmarkConfig().valExamples);
  assert.deepEqual(Object.keys(n.perFamily), ['transformer', 'gatr']);
  assert.deepEqual(n.modelSizes, [
    { label: 's0', index: 0 },
    { label: 's1', index: 1 },
  ]);
  assert.deepEqual(normalizeSpec(n), n);
  assert.deepEqual(normalizeSpec(JSON.parse(JSON.stringify(n))), n);
});

test('training settings merge: built-in < training < perFamily, warmup kind replaced as a whole', () => {
  const n = normalizeSpec({
    ...base(),
    training: { batchSize: 16, lr: { peak: 2e-3, warmupSteps: 20 } },
    perFamily: { gatr: { lr: { peak: 5e-4, warmupFraction: 0.1, kind: 'constant-cooldown' } }, 'transformer+augment': { batchSize: 4 } },
  });
  assert.deepEqual(n.perFamily.transformer, {
    batchSize: 16,
    lr: { peak: 2e-3, kind: 'cosine', warmupSteps: 20, minRatio: 0.1, cooldownFraction: 0.2 },
    gradClip: 1,
  });
  assert.deepEqual(n.perFamily.gatr, {
    batchSize: 16,
    lr: { peak: 5e-4, kind: 'constant-cooldown', warmupFraction: 0.1, minRatio: 0.1, cooldownFraction: 0.2 },
    gradClip: 1,
  });
  // settings of a family that is not in the sweep are not kept
  assert.equal(n.perFamily['transformer+augment'], undefined);
});

test('benchmark overrides merge over the default and come back validated in full', () => {
  const n = rigidBodyBenchmark(normalizeSpec({ ...base(), benchmark: { bodiesMax: 4, maxBodies: 4 } }).benchmark);
  const def = defaultBenchmarkConfig();
  assert.equal(n.maxBodies, 4);
  assert.equal(n.bodiesMax, 4);
  assert.equal(n.valExamples, def.valExamples);
  assert.deepEqual(n.meshes, def.meshes);
});

const YAML_SPEC = `
# comment
name: unit-test
families: [transformer, gatr]
modelSizes:
  - index: 0
  - { index: 1 }
steps: [100, 200]
trainSizes: [64, 128]
seeds: [0, 1]
training: { lr: { peak: 1e-3 } }
`;

test('spec hash: same under YAML vs JSON, key order, axis order and written-out defaults', () => {
  const fromYaml = parseSweepSpec(YAML_SPEC);
  const h = specHash(fromYaml);
  assert.match(h, /^[0-9a-f]{64}$/);
  const json = JSON.stringify({
    seeds: [1, 0],
    trainSizes: [128, 64],
    steps: [200, 100],
    training: { lr: { peak: 0.001 } },
    modelSizes: [{ index: 0, label: 's0' }, { index: 1 }],
    families: ['transformer', 'gatr'],
    name: 'unit-test',
  });
  assert.equal(specHash(parseSweepSpec(json, 'json')), h);
  assert.equal(specHash(parseSweepSpec(json)), h, 'format detected from the text');
  const withDefaults = {
    ...base(),
    design: { kind: 'grid' },
    maxAttempts: 3,
    checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
    benchmark: { seed: defaultBenchmarkConfig().seed },
    training: { lr: { peak: 1e-3, kind: 'cosine', minRatio: 0.1 } },
  };
  assert.equal(specHash(withDefaults), h);
  assert.equal(specHash(parseSweepSpec(toYaml(withDefaults))), h);
  assert.equal(specHash(normalizeSpec(withDefaults)), h, 'hashing a normalized spec gives the same hash');
});

test('early stopping: normalized under eval, copied into every trial, and part of the hash only when set', () => {
  const spec = { ...base(), eval: { every: 20, examples: 64, earlyStopping: { minImprovement: 0.01, patience: 3 } } };
  const n = normalizeSpec(spec);
  assert.deepEqual(n.eval, { every: 20, examples: 64, earlyStopping: { patience: 3, minImprovement: 0.01 } });
  assert.deepEqual(normalizeSpec(n), n);
  assert.equal('earlyStopping' in normalizeSpec({ ...base(), eval: { every: 20, examples: 64 } }).eval, false, 'absent when not set');
  assert.notEqual(specHash(spec), specHash({ ...spec, eval: { every: 20, examples: 64 } }));
  assert.notEqual(specHash(spec), specHash({ ...spec, eval: { ...spec.eval, earlyStopping: { patience: 4, minImprovement: 0.01 } } }));
});

test('spec hash changes when the sweep changes', () => {
  const h = specHash(base());
  assert.notEqual(specHash({ ...base(), steps: [100, 300] }), h);
  assert.notEqual(specHash({ ...base(), training: { lr: { peak: 2e-3 } } }), h);
  assert.notEqual(specHash({ ...base(), benchmark: { seed: 7 } }), h);
  assert.notEqual(specHash({ ...base(), families: ['gatr', 'transformer'] }), h, 'family order sets cell order');
});

test('a spec nested thousands deep is refused in one line before any parser recurses into it', () => {
  for (const [text, format] of [['['.repeat(3000) + ']'.repeat(3000), 'yaml'], ['{"a":' .repeat(3000) + '1' + '}'.repeat(3000), 'json']] as const) {
    assert.throws(() => parseSpecText(text, format), (e: unknown) => e instanceof SweepSpecError && /nests 3000 levels deep at line 1, column \d+ \(at most 64\)/.test(e.message));
  }
  // a nesting that real specs use still parses
  assert.deepEqual(parseSpecText('a: [[1, {b: [2]}]]', 'yaml'), { a: [[1, { b: [2] }]] });
});
