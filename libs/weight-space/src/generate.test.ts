import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { defaultWeightSpaceConfig, validateWeightSpaceConfig, weightSpaceConfigHash, type WeightSpaceConfig } from './config.js';
import { hashWeightSpaceExamples, sliceWeightSpaceExamples } from './examples.js';
import { generateWeightSpaceExamples, samplePoints, standardizeTarget } from './generate.js';
import { evalInr, exactSin, inrLayout } from './inr.js';

const small: WeightSpaceConfig = { ...defaultWeightSpaceConfig(), hidden: [8, 8], fitSteps: 60, seed: 3 };

test('same config and seed: bit-identical, also in a fresh process; a different seed differs', () => {
  const a = generateWeightSpaceExamples(small, 'train', 0, 6);
  const b = generateWeightSpaceExamples(small, 'train', 0, 6);
  assert.equal(hashWeightSpaceExamples(a), hashWeightSpaceExamples(b));
  assert.deepEqual(Buffer.from(a.params.buffer), Buffer.from(b.params.buffer));
  const code = `import { generateWeightSpaceExamples, hashWeightSpaceExamples } from '@equiscale/weight-space';
    process.stdout.write(hashWeightSpaceExamples(generateWeightSpaceExamples(${JSON.stringify(small)}, 'train', 0, 6)));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, hashWeightSpaceExamples(a));
  const c = generateWeightSpaceExamples({ ...small, seed: 4 }, 'train', 0, 6);
  assert.notEqual(hashWeightSpaceExamples(c), hashWeightSpaceExamples(a));
  for (let n = 0; n < 6; n++) assert.notEqual(c.params[n * c.paramCount], a.params[n * a.paramCount]);
});

test('prefix-stable train stream, disjoint splits, every INR from a different init', () => {
  const big = generateWeightSpaceExamples(small, 'train', 0, 5);
  const tail = generateWeightSpaceExamples(small, 'train', 3, 2);
  assert.equal(hashWeightSpaceExamples(sliceWeightSpaceExamples(big, 3, 2)), hashWeightSpaceExamples(tail));
  const val = generateWeightSpaceExamples(small, 'val', 0, 5);
  for (let i = 0; i < 5; i++) assert.notEqual(val.waves[3 * i], big.waves[3 * i]);
  // first-layer weights of different INRs differ (different random inits, not one init fitted five times)
  const firsts = new Set(Array.from({ length: 5 }, (_, n) => big.params[n * big.paramCount]));
  assert.equal(firsts.size, 5);
});

test('the INRs fit their waves: median error below 1% of the wave power, targets are the drawn parameters', () => {
  const cfg = { ...defaultWeightSpaceConfig(), targets: ['frequency', 'amplitude'] as ('frequency' | 'amplitude')[] };
  const ex = generateWeightSpaceExamples(cfg, 'val', 0, 8);
  const lay = inrLayout(cfg.hidden);
  const xs = samplePoints(cfg.points);
  const rel: number[] = [];
  for (let n = 0; n < ex.count; n++) {
    const [nu, amp, phase] = ex.waves.subarray(3 * n, 3 * n + 3);
    assert.ok(nu >= cfg.freqMin && nu <= cfg.freqMax && amp >= cfg.ampMin && amp <= cfg.ampMax);
    assert.ok(Math.abs(ex.targets[2 * n] - standardizeTarget(cfg, 'frequency', nu)) < 1e-5);
    assert.ok(Math.abs(ex.targets[2 * n + 1] - standardizeTarget(cfg, 'amplitude', amp)) < 1e-5);
    assert.ok(Math.abs(ex.targets[2 * n]) <= Math.sqrt(3) + 1e-6 && Math.abs(ex.targets[2 * n + 1]) <= Math.sqrt(3) + 1e-6);
    const f = evalInr(ex.params, lay, cfg.activation, xs, n * ex.paramCount);
    let err = 0;
    for (let p = 0; p < xs.length; p++) err += (f[p] - amp * Math.sin(2 * Math.PI * nu * xs[p] + phase)) ** 2;
    rel.push(err / xs.length / ((amp * amp) / 2));
  }
  rel.sort((a, b) => a - b);
  assert.ok(rel[4] < 0.01, `median relative fit error ${rel[4]}`);
});

test('exactSin matches Math.sin to 1e-12', () => {
  for (let i = 0; i < 2000; i++) {
    const x = -200 + i * 0.2003;
    assert.ok(Math.abs(exactSin(x) - Math.sin(x)) < 1e-12, `x=${x}`);
  }
});

test('config: defaults filled in, hash ignores spelled-out defaults, bad fields are one line naming the field', () => {
  assert.equal(weightSpaceConfigHash({ seed: 0 } as WeightSpaceConfig), weightSpaceConfigHash(defaultWeightSpaceConfig()));
  assert.notEqual(weightSpaceConfigHash({ seed: 1 } as WeightSpaceConfig), weightSpaceConfigHash(defaultWeightSpaceConfig()));
  const cases: [unknown, RegExp][] = [
    [{ hidden: [16, 100] }, /^weight-space\.hidden must list/],
    [{ hidden: [] }, /^weight-space\.hidden /],
    [{ activation: 'tanh' }, /^weight-space\.activation /],
    [{ freqMin: 3, freqMax: 1 }, /^weight-space\.freqMax \(1\) is below freqMin/],
    [{ targets: ['phase'] }, /^weight-space\.targets /],
    [{ seed: -1 }, /^weight-space\.seed must be an integer/],
    [{ points: 1.5 }, /^weight-space\.points /],
    [{ hiden: [3] }, /^weight-space\.hiden is not a weight-space config field; use one of/],
    ['x', /^weight-space\.\(config\) must be an object/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(() => validateWeightSpaceConfig(raw), (e: Error) => re.test(e.message) && !e.message.includes('\n'), JSON.stringify(raw));
  }
  assert.deepEqual(validateWeightSpaceConfig({ kind: 'weight-space', targets: ['amplitude', 'frequency'] }).targets, ['frequency', 'amplitude']);
  assert.deepEqual(validateWeightSpaceConfig({ targets: ['amplitude'] }).targets, ['amplitude']);
});
