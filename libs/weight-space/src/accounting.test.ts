import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  inrParamCount,
  summarizeWeightSpace,
  WEIGHT_SPACE_FAMILIES,
  weightSpaceDimsForParams,
  weightSpaceLadderLength,
  weightSpaceSizeLadder,
} from './accounting.js';

test('hand counts: mlp and a tiny dwsnet', () => {
  // INR 1-2-2-1: W0 2, b0 2, W1 4, b1 2, W2 2, b2 1 = 13 parameters
  const shapes = { sizes: [1, 2, 2, 1], targetCount: 1 };
  assert.equal(inrParamCount(shapes.sizes), 13);
  // mlp 13 -> 4 -> 1: 13*4 + 4 + 4 + 1 params, 13*4 + 4 MACs
  const m = summarizeWeightSpace('mlp', { arch: 'mlp', width: 4, depth: 1 }, shapes);
  assert.equal(m.paramCount, 61);
  assert.equal(m.nominalFlopsPerSample, 6 * 56);
  // dwsnet c = 1, one layer, head 1. Raw channels: N1 = [w_in, b] (2), N2 = [b, w_out] (2), E2 = 1, G = 1.
  // F1 = N1 + colmean E2 = 3, F2 = N2 + rowmean E2 = 3, Fg = G + mean N1 + mean N2 + mean E2 = 6.
  // weights: n0 local 3 + global 6, n1 local 3 + global 6, e self 1 + rows 3 + cols 3 + global 6, g 6 = 37;
  // biases: one per output object (N1, N2, E2, G) = 4; head: means of N1, N2, E2 and G = 4 channels -> 1 -> 1: 4 + 1 + 1 + 1 = 7
  const d = summarizeWeightSpace('dwsnet', { arch: 'dwsnet', channels: 1, layers: 1, headWidth: 1 }, shapes);
  assert.equal(d.paramCount, 37 + 4 + 7);
  // MACs: n local 2*3 twice, n global 6 twice, e self 4, rows 2*3, cols 2*3, e global 6, g 6 = 52; head 4 + 1
  assert.equal(d.nominalFlopsPerSample, 6 * 57);
  assert.equal(d.executedFlopsPerSample, d.nominalFlopsPerSample);
});

test('ladders grow in parameters and dimsForParams picks the nearest rung', () => {
  const shapes = { sizes: [1, 16, 16, 1], targetCount: 1 };
  for (const f of WEIGHT_SPACE_FAMILIES) {
    let prev = 0;
    for (let i = 0; i < weightSpaceLadderLength(f); i++) {
      const s = summarizeWeightSpace(f, weightSpaceSizeLadder(f, i), shapes);
      assert.ok(s.paramCount > prev, `${f} rung ${i}`);
      assert.ok(s.nominalFlopsPerSample > 0);
      prev = s.paramCount;
    }
    const want = 2e4;
    const got = summarizeWeightSpace(f, weightSpaceDimsForParams(f, want, shapes), shapes).paramCount;
    for (let i = 0; i < weightSpaceLadderLength(f); i++) {
      const p = summarizeWeightSpace(f, weightSpaceSizeLadder(f, i), shapes).paramCount;
      assert.ok(Math.abs(Math.log(got / want)) <= Math.abs(Math.log(p / want)));
    }
  }
  assert.throws(() => weightSpaceSizeLadder('gatr', 0), /^Error: family must be one of mlp, mlp\+permute, dwsnet \(got "gatr"\)$/);
  assert.throws(() => summarizeWeightSpace('dwsnet', { arch: 'mlp', width: 4, depth: 1 }, shapes), /dims\.arch must be "dwsnet"/);
});

test('the accounting entry point loads no TensorFlow.js (static import graph)', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const entry = resolve(here, '..', JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')).exports['./accounting']);
  const seen = new Set<string>();
  const bare: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = m[1];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.push(spec);
    }
  };
  visit(entry);
  assert.ok(seen.size >= 1);
  // type-only imports of the interface are fine; nothing that loads tfjs or models
  assert.deepEqual(bare.filter((s) => s.includes('tensorflow') || s === '@equiscale/models'), []);
  // and the whole tfjs-free main entry the same
  seen.clear();
  bare.length = 0;
  visit(resolve(here, 'index.ts'));
  assert.deepEqual(bare.filter((s) => s.includes('tensorflow') || s === '@equiscale/models'), []);
});
