import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchmarkConfigHash, canonicalJson, defaultBenchmarkConfig, SCENE_DEFAULTS, validateBenchmarkConfig } from './config.js';
import type { BenchmarkConfig } from './types.js';

describe('BenchmarkConfig', () => {
  it('default config is valid with sensible values', () => {
    const c = validateBenchmarkConfig(defaultBenchmarkConfig());
    assert.equal(c.bodiesMin, 3);
    assert.equal(c.bodiesMax, 6);
    assert.ok(c.dt === 1 / 60);
    assert.ok(c.framesPerScene >= 60 && c.framesPerScene <= 120);
    assert.ok(c.pastOffset + c.horizon < c.framesPerScene);
  });

  const bad: [string, Partial<Record<keyof BenchmarkConfig | 'bogus', unknown>>, RegExp][] = [
    ['negative bodiesMin', { bodiesMin: -1 }, /bodiesMin must be >= 1/],
    ['fractional bodiesMax', { bodiesMax: 2.5 }, /bodiesMax must be an integer/],
    ['bodiesMax below bodiesMin', { bodiesMin: 5, bodiesMax: 4 }, /bodiesMax \(4\) is below bodiesMin \(5\)/],
    ['bodiesMax above maxBodies', { bodiesMax: 8, maxBodies: 6 }, /bodiesMax \(8\) exceeds maxBodies \(6\); raise maxBodies/],
    ['maxBodies too large', { maxBodies: 1000, bodiesMax: 6 }, /maxBodies must be <= 64/],
    ['unknown mesh', { meshes: ['cube', 'teapot'] }, /meshes contains unknown mesh "teapot"; use names from: cube/],
    ['empty meshes', { meshes: [] }, /meshes must be a non-empty array/],
    ['duplicate mesh', { meshes: ['cube', 'cube'] }, /meshes lists "cube" twice/],
    ['zero dt', { dt: 0 }, /dt must be > 0/],
    ['NaN dt', { dt: NaN }, /dt must be a finite number/],
    ['horizon 0', { horizon: 0 }, /horizon must be >= 1/],
    ['pastOffset 0', { pastOffset: 0 }, /pastOffset must be >= 1/],
    ['pastOffset + horizon >= framesPerScene', { framesPerScene: 6, pastOffset: 2, horizon: 4 }, /framesPerScene \(6\) must exceed pastOffset \+ horizon/],
    ['too many examples per scene', { framesPerScene: 10, pastOffset: 2, horizon: 3, examplesPerScene: 6 }, /examplesPerScene must be <= 5/],
    ['zero examples per scene', { examplesPerScene: 0 }, /examplesPerScene must be >= 1/],
    ['negative valExamples', { valExamples: -5 }, /valExamples must be >= 0/],
    ['negative testExamples', { testExamples: -1 }, /testExamples must be >= 0/],
    ['negative gravity', { gravity: -9.81 }, /gravity must be > 0/],
    ['string seed', { seed: '42' }, /seed must be an integer/],
    ['negative seed', { seed: -3 }, /seed must be >= 0/],
    ['missing field', { framesPerScene: undefined }, /framesPerScene is missing/],
    ['unknown field', { bogus: 1 }, /bogus is not a known field; remove it/],
    ['scale range inverted', { scaleMin: 1, scaleMax: 0.5 }, /scaleMax \(0.5\) is below scaleMin \(1\)/],
    ['restitution above 1', { restitution: 1.5 }, /restitution must be <= 1/],
    ['drop range inverted', { dropHeightMin: 3, dropHeightMax: 1 }, /dropHeightMax \(1\) is below dropHeightMin/],
  ];
  for (const [name, patch, msg] of bad) {
    it(`rejects ${name} with a field-named error`, () => {
      const cfg = { ...defaultBenchmarkConfig(), ...patch } as Record<string, unknown>;
      for (const k of Object.keys(patch)) if ((patch as Record<string, unknown>)[k] === undefined) delete cfg[k];
      assert.throws(() => validateBenchmarkConfig(cfg as unknown as BenchmarkConfig), (e: Error) => {
        assert.match(e.message, /^BenchmarkConfig\./);
        assert.match(e.message, msg);
        return true;
      });
    });
  }

  it('fills optional fields with defaults, accepting configs written before they existed', () => {
    const legacy = defaultBenchmarkConfig() as unknown as Record<string, unknown>;
    for (const k of Object.keys(SCENE_DEFAULTS)) delete legacy[k];
    const c = validateBenchmarkConfig(legacy as unknown as BenchmarkConfig);
    assert.equal(c.restitution, SCENE_DEFAULTS.restitution);
    assert.equal(benchmarkConfigHash(legacy as unknown as BenchmarkConfig), benchmarkConfigHash(defaultBenchmarkConfig()));
  });

  it('hashes canonically: key order does not matter, any value change does', () => {
    const a = defaultBenchmarkConfig();
    const reversed = Object.fromEntries(Object.entries(a).reverse()) as unknown as BenchmarkConfig;
    const h = benchmarkConfigHash(a);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(benchmarkConfigHash(reversed), h);
    assert.notEqual(benchmarkConfigHash({ ...a, seed: 1 }), h);
    assert.notEqual(benchmarkConfigHash({ ...a, horizon: a.horizon + 1 }), h);
    assert.notEqual(benchmarkConfigHash({ ...a, meshes: [...a.meshes].reverse() }), h);
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  });
});
