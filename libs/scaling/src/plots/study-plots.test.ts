import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeStudy, type StudyAnalysis } from '../study/analyze.js';
import { SENSITIVITY_GRID } from '../study/fit.js';
import { plantedStudy, ROLES } from '../study/study-fixtures.js';
import { plotLearningCurvesByFamily, plotStudyDataScaling, plotStudyIsoFlop, plotStudyLossVsCompute } from './study-plots.js';

let a: StudyAnalysis;
let st: ReturnType<typeof plantedStudy>;
let dir: string;
before(() => {
  st = plantedStudy({ rng: 51 });
  a = analyzeStudy(st, { roles: ROLES, grid: SENSITIVITY_GRID, resamples: 40 });
  dir = mkdtempSync(join(tmpdir(), 'study-plots-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const isPng = (b: Uint8Array) => Buffer.from(b.subarray(0, 4)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));

test('Fig. 1: runs at their own FLOPs, a frontier line and band per family', async () => {
  const out = await plotStudyLossVsCompute(st.compute, a.families, { outDir: dir });
  assert.ok(existsSync(join(dir, 'fig1-loss-vs-compute.svg')));
  assert.ok(isPng(out.png));
  assert.match(out.svg, /Training compute \(FLOPs\)/);
  const layers = (out.spec as { layer: { mark: { type: string }; data: { values: unknown[] } }[] }).layer;
  assert.deepEqual(layers.map((l) => l.mark.type), ['area', 'point', 'line']);
  assert.equal(layers[1].data.values.length, st.compute.length);
});

test('Fig. 2: data scaling with and without augmentation, fitted curves with bands', async () => {
  const out = await plotStudyDataScaling(a.dataScaling);
  assert.match(out.svg, /Training-set size \(samples\)/);
  assert.match(out.svg, /with augmentation/);
  const layers = (out.spec as { layer: { mark: { type: string }; data: { values: { augmentation: string }[] } }[] }).layer;
  assert.equal(layers[0].mark.type, 'area');
  assert.deepEqual(new Set(layers[2].data.values.map((v) => v.augmentation)), new Set(['with augmentation', 'without augmentation']));
});

test('Fig. 3: one IsoFLOP panel per family plus N_opt and D_opt against compute', async () => {
  const out = await plotStudyIsoFlop(st.compute, a.isoflop);
  const spec = out.spec as { vconcat: { hconcat: { title: string }[] }[] };
  assert.deepEqual(spec.vconcat[0].hconcat.map((p) => p.title.split(':')[0]), ['gatr', 'transformer']);
  assert.match(out.svg, /N_opt \(parameters\)/);
  assert.match(out.svg, /D_opt \(training samples\)/);
});

test('learning curves: a panel per family, colour by size, no per-run legend', async () => {
  const curves = st.compute
    .filter((r) => r.seed === 0)
    .map((r, j) => ({ family: r.family, n: r.n, seed: `${r.seed}-${j}`, points: [1, 10, 100].map((s) => ({ step: s * 10, loss: r.loss * (1 + 1 / s) })) }));
  assert.ok(curves.length >= 40);
  const out = await plotLearningCurvesByFamily({ curves });
  assert.match(out.svg, /Parameters N/);
  // One gradient legend for N, not one legend entry per run.
  assert.equal((out.svg.match(/role-legend-gradient/g) ?? []).length, 1);
  assert.equal((out.svg.match(/role-legend-symbol/g) ?? []).length, 0);
  assert.equal((out.svg.match(/>gatr</g) ?? []).length + (out.svg.match(/>transformer</g) ?? []).length >= 2, true);
  await assert.rejects(plotLearningCurvesByFamily({ curves: [{ family: 'x', n: 1, points: [{ step: 0, loss: 1 }] }] }), /step is 0/);
});
