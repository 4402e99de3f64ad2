// diffSpecs / diffCells: a new spec under the same name may only add cells (real libs, transformer families).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify as toYaml } from 'yaml';
import { diffCells, diffSpecs, expandSweep, parseSweepSpec } from './index.js';

const spec = () => ({
  name: 'diff-test',
  benchmark: { bodiesMax: 3, maxBodies: 3 },
  families: ['transformer', 'transformer+augment'],
  modelSizes: [{ index: 0 }, { index: 1 }],
  steps: [100, 200],
  trainSizes: [64],
  seeds: [0],
});

test('the same spec reformatted is identical and extendable with nothing to add', () => {
  const d = diffSpecs(spec(), parseSweepSpec(toYaml(spec())));
  assert.equal(d.identical, true);
  assert.equal(d.extendable, true);
  assert.deepEqual([d.added.length, d.removed.length, d.changed.length, d.unchanged], [0, 0, 0, 8]);
});

test('adding seeds, a step count and a size only adds cells', () => {
  const d = diffSpecs(spec(), { ...spec(), seeds: [0, 1], steps: [100, 200, 400], modelSizes: [{ index: 0 }, { index: 1 }, { index: 2 }] });
  assert.equal(d.identical, false);
  assert.equal(d.extendable, true, d.reasons.join('\n'));
  assert.deepEqual(d.reasons, []);
  assert.equal(d.unchanged, 8);
  assert.equal(d.added.length, 2 * 3 * 3 * 1 * 2 - 8);
  assert.ok(d.added.some((c) => c.cellKey === 'transformer/s2/steps400/n64/seed1'));
});

test('adding a family only adds cells', () => {
  const d = diffSpecs({ ...spec(), families: ['transformer'] }, spec());
  assert.equal(d.extendable, true);
  assert.equal(d.added.length, 4);
  assert.ok(d.added.every((c) => c.family === 'transformer+augment'));
});

test('changing a training setting changes existing cells: refused, naming the fields', () => {
  const d = diffSpecs(spec(), { ...spec(), perFamily: { transformer: { lr: { peak: 5e-4 } } } });
  assert.equal(d.extendable, false);
  assert.equal(d.changed.length, 4);
  assert.ok(d.changed.every((c) => c.cellKey.startsWith('transformer/') && c.fields.join() === 'training.lr'));
  assert.match(d.reasons.join('\n'), /4 existing cells would change \(training.lr\)/);
});

test('changing the benchmark changes every cell', () => {
  const d = diffSpecs(spec(), { ...spec(), benchmark: { bodiesMax: 3, maxBodies: 3, seed: 9 } });
  assert.equal(d.extendable, false);
  assert.equal(d.changed.length, 8);
  assert.ok(d.changed.every((c) => c.fields.includes('benchmark.configHash')), 'the trial names the benchmark by its hash');
});

test('removing an axis value is refused', () => {
  const d = diffSpecs(spec(), { ...spec(), steps: [100], seeds: [0, 1] });
  assert.equal(d.extendable, false);
  assert.equal(d.removed.length, 4);
  assert.equal(d.added.length, 4);
  assert.match(d.reasons[0]!, /4 existing cells are gone: transformer\/s0\/steps200\/n64\/seed0/);
});

test('changing maxAttempts or the name is a sweep-level change', () => {
  const d = diffSpecs(spec(), { ...spec(), maxAttempts: 5, name: 'other' });
  assert.equal(d.extendable, false);
  assert.deepEqual(d.settingChanges, ['name', 'maxAttempts']);
  assert.equal(d.unchanged, 8);
});

test('diffCells compares stored cells with a new expansion', () => {
  const old = expandSweep(spec());
  const stored = JSON.parse(JSON.stringify(old)); // as read back from a database
  assert.deepEqual(diffCells(stored, old), { added: [], removed: [], changed: [], unchanged: 8 });
  stored[0].steps = 999;
  const d = diffCells(stored, old);
  assert.deepEqual(d.changed, [{ cellKey: old[0]!.cellKey, fields: ['steps'] }]);
});
