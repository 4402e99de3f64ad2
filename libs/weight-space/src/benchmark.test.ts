import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WEIGHT_SPACE_FAMILIES } from './accounting.js';
import { weightSpaceBenchmark as ws } from './benchmark.js';

test('the plug-in object: shapes, layout, families with ladders, baselines near 1, dataset and trainer hooks', async () => {
  const cfg = ws.validateConfig({ kind: 'weight-space', hidden: [6, 5], fitSteps: 10, valExamples: 40, testExamples: 40, seed: 2 });
  assert.equal(ws.kind, 'weight-space');
  assert.deepEqual(ws.shapes(cfg), { sizes: [1, 6, 5, 1], targetCount: 2 });
  assert.deepEqual(ws.layout(cfg).inputs[0].shape, [6 * 2 + 5 * 7 + 6]);
  assert.deepEqual(ws.families.map((f) => f.name), [...WEIGHT_SPACE_FAMILIES]);
  assert.deepEqual(ws.families.map((f) => f.symmetry), ['none', 'augmentation', 'exact']);
  for (const f of ws.families) {
    const dims = ws.accounting.dimsForParams(f.name, 1e4, ws.shapes(cfg));
    assert.ok(ws.accounting.summarize(f.name, dims, ws.shapes(cfg)).paramCount > 0);
  }
  const dir = await mkdtemp(join(tmpdir(), 'ws-bench-'));
  try {
    const ds = await ws.loadDataset(cfg, { trainSize: 60, cacheDir: dir });
    assert.equal(ws.count(ds.train), 60);
    assert.equal(ws.count(ws.gather(ds.train, Int32Array.from([3, 1]))), 2);
    for (const b of ws.baselines(ds)) assert.ok(b.loss > 0.5 && b.loss < 2, `${b.split} ${b.loss}: standardized targets make the mean predictor score ~1`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.throws(() => ws.validateConfig({ kind: 'weight-space', hidden: 16 }), /^Error: weight-space\.hidden /);
  const trainer = await ws.loadTrainer();
  assert.equal(typeof trainer.train, 'function');
  assert.equal(typeof trainer.initBackend, 'function');
});
