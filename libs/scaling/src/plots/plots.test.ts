import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makePlotFixtures, type PlotFixtures } from '../testing/fixtures.js';
import { plotIsoFlop, plotLearningCurves, plotLossVsCompute, plotLossVsDataSize, plotOptimalAllocation } from './plots.js';
import type { PlotOutput } from './render.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
let fx: PlotFixtures;
let dir: string;
before(() => {
  fx = makePlotFixtures();
  dir = mkdtempSync(join(tmpdir(), 'scaling-plots-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Well-formedness of the SVG: one root, every element closed in order. */
function assertWellFormedSvg(svg: string): void {
  assert.match(svg, /^<svg[\s>]/);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else stack.push(name);
  }
  assert.equal(stack.length, 0, `unclosed elements: ${stack.join(', ')}`);
}

function check(out: PlotOutput, texts: string[]): void {
  assertWellFormedSvg(out.svg);
  for (const t of texts) assert.ok(out.svg.includes(t), `SVG lacks "${t}"`);
  assert.ok(out.png.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  assert.ok(out.png.length > 10_000, `PNG is only ${out.png.length} bytes`);
  // IHDR width/height are non-trivial.
  assert.ok(out.png.readUInt32BE(16) > 300 && out.png.readUInt32BE(20) > 200);
}

test('plot: test loss vs training compute with frontier bands', async () => {
  const out = await plotLossVsCompute(fx.compute, { outDir: dir, name: 'compute' });
  check(out, ['Training compute (FLOPs)', 'Test loss (MSE)', 'GATr', 'Transformer']);
  assert.ok(fx.compute.frontiers.every((f) => f.points.every((p) => p.lo! <= p.loss && p.loss <= p.hi!)));
  assert.ok(existsSync(join(dir, 'compute.svg')));
  assert.ok(readFileSync(join(dir, 'compute.png')).subarray(0, 8).equals(PNG_SIGNATURE));
});

test('plot: test loss vs training-set size with and without augmentation', async () => {
  check(await plotLossVsDataSize(fx.data), ['Training-set size (samples)', 'Test loss (MSE)', 'with augmentation', 'without augmentation']);
});

test('plot: IsoFLOP curves', async () => {
  check(await plotIsoFlop(fx.isoflop), ['Parameters N', 'Compute budget', 'FLOPs']);
});

test('plot: N_opt and D_opt vs compute per family', async () => {
  check(await plotOptimalAllocation(fx.allocation), ['N_opt (parameters)', 'D_opt (training samples)', 'Training compute (FLOPs)', 'GATr']);
});

test('plot: learning curves of a sweep', async () => {
  check(await plotLearningCurves(fx.curves), ['Training step', 'Test loss (MSE)', 'Trial']);
});

test('plots reject values that cannot go on a log axis', async () => {
  await assert.rejects(plotLearningCurves({ trials: [{ trial: 't', points: [{ step: 0, loss: 1 }] }] }), /trial "t" point 0 step is 0/);
  await assert.rejects(plotLossVsCompute({ runs: [{ family: 'a', c: 1, loss: -1 }], frontiers: [] }), /runs\[0\]\.loss is -1/);
});
