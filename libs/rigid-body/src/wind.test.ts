import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { benchmarkConfigHash, defaultBenchmarkConfig, validateBenchmarkConfig } from './config.js';
import { generateExamples } from './generate.js';
import { hashExamples } from './examples.js';
import { initPhysics, physicsParams, simulateSceneSync, type BodyState } from './simulate.js';

const body = (scale: number): BodyState => ({
  mesh: 'cube',
  scale,
  position: [0, 8, 0],
  rotation: [0, 0, 0, 1],
  linvel: [0, 0, 0],
  angvel: [0, 0, 0],
});

describe('windStrength (the symmetry-breaking knob)', () => {
  before(() => initPhysics());

  it('is absent from the resolved config at 0, so the default benchmark hashes as before the knob', () => {
    const withField = defaultBenchmarkConfig();
    assert.equal(withField.windStrength, 0);
    const { windStrength: _w, ...without } = withField;
    assert.equal(benchmarkConfigHash(withField), benchmarkConfigHash(without));
    assert.equal('windStrength' in validateBenchmarkConfig(withField), false);
    assert.notEqual(benchmarkConfigHash({ ...withField, windStrength: 2 }), benchmarkConfigHash(without));
    assert.equal(validateBenchmarkConfig({ ...withField, windStrength: 2 }).windStrength, 2);
  });

  it('refuses a negative or non-numeric strength naming the field', () => {
    assert.throws(() => validateBenchmarkConfig({ ...defaultBenchmarkConfig(), windStrength: -1 }), /BenchmarkConfig\.windStrength must be >= 0/);
    assert.throws(() => validateBenchmarkConfig({ ...defaultBenchmarkConfig(), windStrength: 'x' as unknown as number }), /BenchmarkConfig\.windStrength must be a finite number/);
  });

  it('accelerates a falling body along +x at windStrength * 0.5 / scale, and nothing at 0', () => {
    const frames = 30;
    for (const [wind, scale] of [[0, 0.5], [2, 0.5], [2, 0.25]] as const) {
      const p = physicsParams(validateBenchmarkConfig({ ...defaultBenchmarkConfig(), windStrength: wind }));
      const t = simulateSceneSync({ bodies: [body(scale)] }, p, frames);
      const time = (frames - 1) * p.dt;
      const a = (wind * 0.5) / scale;
      const x = t.positions[(frames - 1) * 3];
      const z = t.positions[(frames - 1) * 3 + 2];
      // like gravity in the free-fall test: a t^2 / 2, up to the integrator's lag of a dt t / 2
      const expected = (a * time * time) / 2;
      assert.ok(Math.abs(x - expected) <= 0.5 * a * p.dt * time + 1e-4, `wind ${wind} scale ${scale}: x ${x}, expected ${expected} (t ${time})`);
      if (wind > 0) assert.ok(x > 0.9 * expected);
      assert.ok(Math.abs(z) < 1e-5);
    }
  });

  it('changes the data when on and is deterministic', async () => {
    const base = { ...defaultBenchmarkConfig(), valExamples: 8, testExamples: 8 };
    const calm = validateBenchmarkConfig(base);
    const windy = validateBenchmarkConfig({ ...base, windStrength: 3 });
    const a = await generateExamples(calm, 'val', 0, 8);
    const b = await generateExamples(windy, 'val', 0, 8);
    const c = await generateExamples(windy, 'val', 0, 8);
    assert.notEqual(hashExamples(a), hashExamples(b));
    assert.equal(hashExamples(b), hashExamples(c));
    // the horizontal drift along +x of the windy targets exceeds the calm ones' on average
    let dx = 0;
    for (let i = 0; i < a.target.length; i += 3) if (a.vertMask[i / 3]) dx += b.target[i] - b.curr[i] - (a.target[i] - a.curr[i]);
    assert.ok(dx > 0, `mean extra +x displacement ${dx}`);
  });
});
