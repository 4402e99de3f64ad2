import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { validateBenchmarkConfig } from './config.js';
import { concatExamples, EXAMPLE_ARRAYS, hashExamples, sliceExamples } from './examples.js';
import { generateExamples, sceneSpec } from './generate.js';
import { BODY_FEATURES, MAX_VERTS, MESH_NAMES, getMesh } from './meshes.js';
import { smallConfig } from './test-support.js';
import type { Examples } from './types.js';

const arraysSha = (ex: Examples): string[] =>
  EXAMPLE_ARRAYS.map((n) => createHash('sha256').update(new Uint8Array(ex[n].buffer, ex[n].byteOffset, ex[n].byteLength)).digest('hex'));

describe('generateExamples', () => {
  it('is byte-identical for the same config and seed, and differs for another seed', async () => {
    const a = await generateExamples(smallConfig(), 'train', 0, 12);
    const b = await generateExamples(smallConfig(), 'train', 0, 12);
    assert.deepEqual(arraysSha(a), arraysSha(b));
    const c = await generateExamples(smallConfig({ seed: 18 }), 'train', 0, 12);
    assert.notEqual(hashExamples(c), hashExamples(a));
    assert.notEqual(arraysSha(c)[1], arraysSha(a)[1]);
  });

  it('is prefix-stable: any range equals the same range of a longer generation', async () => {
    const cfg = smallConfig();
    const long = await generateExamples(cfg, 'train', 0, 14);
    const short = await generateExamples(cfg, 'train', 0, 7); // ends mid-scene
    assert.equal(hashExamples(short), hashExamples(sliceExamples(long, 0, 7)));
    const rest = await generateExamples(cfg, 'train', 7, 7); // starts mid-scene
    assert.equal(hashExamples(concatExamples([short, rest])), hashExamples(long));
  });

  it('draws disjoint scenes for train, val and test', () => {
    const cfg = validateBenchmarkConfig(smallConfig());
    const key = (s: 'train' | 'val' | 'test', i: number): string => JSON.stringify(sceneSpec(cfg, s, i).scene);
    const seen = new Set<string>();
    for (const s of ['train', 'val', 'test'] as const) for (let i = 0; i < 20; i++) seen.add(key(s, i));
    assert.equal(seen.size, 60);
  });

  it('fills the padded layout consistently: masks, features, gravity, floor, no NaN', async () => {
    const cfg = validateBenchmarkConfig(smallConfig({ meshes: ['cube', 'tetrahedron', 'hull_c'] }));
    const ex = await generateExamples(cfg, 'val', 0, 9);
    assert.equal(ex.maxBodies, 5);
    assert.equal(ex.maxVerts, MAX_VERTS);
    assert.equal(ex.bodyFeatureCount, BODY_FEATURES);
    const B = 5;
    const V = MAX_VERTS;
    const F = BODY_FEATURES;
    for (let n = 0; n < ex.count; n++) {
      let bodies = 0;
      for (let b = 0; b < B; b++) {
        const i = n * B + b;
        const present = ex.bodyMask[i] === 1;
        bodies += ex.bodyMask[i];
        const feats = ex.bodyFeatures.subarray(i * F, (i + 1) * F);
        const verts = ex.vertMask.subarray(i * V, (i + 1) * V);
        if (!present) {
          assert.ok(feats.every((x) => x === 0) && verts.every((x) => x === 0));
          assert.ok(ex.curr.subarray(i * V * 3, (i + 1) * V * 3).every((x) => x === 0));
          continue;
        }
        const hot = [...feats.subarray(0, MESH_NAMES.length)];
        assert.equal(hot.reduce((a, x) => a + x, 0), 1);
        const mesh = getMesh(MESH_NAMES[hot.indexOf(1)]);
        assert.ok(cfg.meshes.includes(mesh.name));
        const scale = feats[F - 2];
        assert.ok(scale >= cfg.scaleMin && scale <= cfg.scaleMax);
        assert.ok(Math.abs(feats[F - 1] - (cfg.density * mesh.volume * scale ** 3) / 1000) < 1e-6);
        assert.equal(verts.reduce((a, x) => a + x, 0), mesh.vertexCount);
        assert.ok(verts.subarray(0, mesh.vertexCount).every((x) => x === 1));
        // rigid motion between frames: pairwise vertex distances are preserved
        const dist = (arr: Float32Array, j: number, k: number): number => {
          const o = i * V * 3;
          return Math.hypot(arr[o + 3 * j] - arr[o + 3 * k], arr[o + 3 * j + 1] - arr[o + 3 * k + 1], arr[o + 3 * j + 2] - arr[o + 3 * k + 2]);
        };
        for (let j = 1; j < mesh.vertexCount; j++) {
          assert.ok(Math.abs(dist(ex.prev, 0, j) - dist(ex.target, 0, j)) < 1e-4);
          assert.ok(Math.abs(dist(ex.curr, 0, j) - dist(ex.target, 0, j)) < 1e-4);
        }
      }
      assert.ok(bodies >= cfg.bodiesMin && bodies <= cfg.bodiesMax);
      assert.deepEqual([...ex.gravity.subarray(3 * n, 3 * n + 3)], [0, Math.fround(-cfg.gravity), 0]);
      assert.deepEqual([...ex.floor.subarray(4 * n, 4 * n + 4)], [0, 1, 0, 0]);
    }
    for (const name of EXAMPLE_ARRAYS) assert.ok(ex[name].every(Number.isFinite));
  });

  it('takes example frames spread over the trajectory within valid bounds', () => {
    const cfg = validateBenchmarkConfig(smallConfig({ examplesPerScene: 4 }));
    const all = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const { frames } = sceneSpec(cfg, 'train', i);
      assert.equal(frames.length, 4);
      for (let j = 0; j < frames.length; j++) {
        assert.ok(frames[j] >= cfg.pastOffset && frames[j] + cfg.horizon < cfg.framesPerScene);
        if (j) assert.ok(frames[j] > frames[j - 1]);
        all.add(frames[j]);
      }
    }
    assert.ok(all.size > 8, 'frames vary between scenes');
  });

  it('reports progress per scene', async () => {
    const calls: [number, number][] = [];
    await generateExamples(smallConfig(), 'test', 1, 7, { onProgress: (d, t) => calls.push([d, t]) });
    assert.deepEqual(calls, [[2, 7], [5, 7], [7, 7]]);
  });
});
