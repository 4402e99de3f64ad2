// WSD planning (./wsd.ts) against the hand-written doubles of the science libs (testing/fake-deps.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SweepSpecError, normalizeSpec, planSweep, planTotals, specHash } from './index.js';
import { fakeDeps } from './testing/fake-deps.js';

const wsdGrid = (lr: Record<string, unknown> = {}) => ({
  name: 'wsd-test',
  families: ['transformer', 'gatr'],
  modelSizes: [{ index: 0 }, { index: 1 }],
  steps: [400, 100, 1000],
  trainSizes: [64],
  seeds: [0, 1],
  training: { lr: { kind: 'wsd', warmupFraction: 0.1, cooldownFraction: 0.2, ...lr } },
  perFamily: { gatr: { lr: { peak: 3e-4 } } },
  checkpointEvery: 250,
});

test('wsd grid: one trunk per (family, size, trainSize, seed) before its branches; branches at round((1 - f) S)', () => {
  const plan = planSweep(wsdGrid(), fakeDeps);
  const trunks = plan.cells.filter((c) => c.role === 'trunk');
  const branches = plan.cells.filter((c) => c.role === 'branch');
  assert.equal(trunks.length, 2 * 2 * 2);
  assert.equal(branches.length, 2 * 2 * 3 * 2);
  assert.deepEqual(
    plan.cells.slice(0, 4).map((c) => [c.cellKey, c.role, c.steps, c.parent ?? null, c.branchStep ?? null]),
    [
      ['transformer/s0/trunk/n64/seed0', 'trunk', 800, null, null],
      ['transformer/s0/steps100/n64/seed0', 'branch', 100, 'transformer/s0/trunk/n64/seed0', 80],
      ['transformer/s0/trunk/n64/seed1', 'trunk', 800, null, null],
      ['transformer/s0/steps100/n64/seed1', 'branch', 100, 'transformer/s0/trunk/n64/seed1', 80],
    ],
  );
  const keys = new Map(plan.cells.map((c, i) => [c.cellKey, i]));
  for (const b of branches) {
    const t = plan.cells[keys.get(b.parent!)!]!;
    assert.equal(t.role, 'trunk');
    assert.ok(keys.get(b.parent!)! < keys.get(b.cellKey)!, 'trunk listed before its branch');
    assert.deepEqual([t.family, t.sizeLabel, t.trainSize, t.seed, t.dims], [b.family, b.sizeLabel, b.trainSize, b.seed, b.dims]);
    assert.ok(t.training.checkpointAt.includes(b.branchStep!), 'the trunk checkpoints at the branch point');
    assert.equal(b.branchStep, Math.round(0.8 * b.steps));
    // same warmup and peak as the trunk, decaying over its own last f*S steps
    assert.deepEqual(b.training.lr, { ...t.training.lr, cooldownFraction: 0.2 });
    assert.equal(b.plan.spentNominalFlops, (b.plan.nominalFlops * (b.steps - b.branchStep!)) / b.steps);
    assert.deepEqual(b.training.checkpointAt, [], 'a branch keeps no extra checkpoints');
  }
  const t0 = trunks[0]!;
  assert.deepEqual(t0.training.checkpointAt, [80, 320, 800]);
  assert.equal(t0.training.lr.kind, 'wsd');
  assert.equal(t0.training.lr.cooldownFraction, 0, 'the trunk does not cool down');
  assert.equal(t0.training.lr.warmupSteps, 10, 'warmup: warmupFraction of the shortest step count');
  assert.equal(trunks.find((t) => t.family === 'gatr')!.training.lr.peak, 3e-4);
});

test('wsd totals: planned FLOPs (trunks + cooldowns) vs the same points as independent runs', () => {
  const plan = planSweep(wsdGrid(), fakeDeps);
  const t = planTotals(plan.cells);
  assert.equal(t.points, 24);
  assert.equal(t.independentFlops, plan.cells.filter((c) => c.role === 'branch').reduce((a, c) => a + c.plan.nominalFlops, 0));
  // per group: trunk 800 + cooldowns 20 + 80 + 200 = 1100 steps, against 100 + 400 + 1000 = 1500 independent
  assert.ok(Math.abs(t.saving - 1500 / 1100) < 1e-12, String(t.saving));
  const cosine = planSweep({ ...wsdGrid(), training: { lr: { kind: 'cosine' } } }, fakeDeps);
  const c = planTotals(cosine.cells);
  assert.deepEqual([c.trunks, c.branches, c.runs, c.saving], [0, 0, 24, 1]);
  assert.equal(c.plannedFlops, t.independentFlops);
});

test('wsd only for the families that ask for it; cooldownShape defaults to linear and only wsd specs carry it', () => {
  const plan = planSweep({ ...wsdGrid(), training: {}, perFamily: { gatr: { lr: { kind: 'wsd', cooldownShape: '1-sqrt' } } } }, fakeDeps);
  assert.ok(plan.cells.filter((c) => c.family === 'transformer').every((c) => c.role === 'run' && c.parent === undefined));
  const g = plan.cells.filter((c) => c.family === 'gatr');
  assert.ok(g.every((c) => c.role !== 'run' && c.training.lr.cooldownShape === '1-sqrt'));
  const cosine = normalizeSpec({ ...wsdGrid(), training: {} }, fakeDeps);
  assert.equal('cooldownShape' in cosine.perFamily.transformer!.lr, false);
  assert.equal(normalizeSpec(wsdGrid(), fakeDeps).perFamily.gatr!.lr.cooldownShape, 'linear');
  assert.notEqual(specHash(normalizeSpec(wsdGrid(), fakeDeps)), specHash(normalizeSpec(wsdGrid({ cooldownShape: '1-sqrt' }), fakeDeps)));
});

test('wsd iso-FLOP: budgets of one (family, size, seed) share a trunk', () => {
  const plan = planSweep(
    {
      name: 'wsd-iso',
      families: ['transformer'],
      design: { kind: 'isoflop', budgets: [1e10, 1e9, 3e9], modelSizes: [{ index: 0 }, { index: 1 }], trainSize: 4096 },
      seeds: [0],
      training: { lr: { kind: 'wsd', warmupSteps: 2, cooldownFraction: 0.25 } },
    },
    fakeDeps,
  );
  assert.equal(plan.cells.filter((c) => c.role === 'trunk').length, 2);
  for (const b of plan.cells.filter((c) => c.role === 'branch')) {
    assert.match(b.cellKey, /\/C\de\d+\//);
    assert.match(b.parent!, /^transformer\/s[01]\/trunk\/n4096\/seed0$/);
    assert.equal(b.branchStep, Math.round(0.75 * b.steps));
  }
  const t = plan.cells[0]!;
  assert.equal(t.role, 'trunk');
  assert.equal(t.plan.flopBudget, undefined);
  assert.equal(t.steps, Math.max(...plan.cells.filter((c) => c.parent === t.cellKey).map((c) => c.branchStep!)));
});

test('wsd refusals name the field: cooldown fraction out of (0, 1), branch point not past the warmup, bad shape', () => {
  const msg = (spec: unknown) => {
    try {
      planSweep(spec, fakeDeps);
    } catch (e) {
      assert.ok(e instanceof SweepSpecError, String(e));
      return e.message;
    }
    assert.fail('expected a refusal');
  };
  assert.match(msg(wsdGrid({ cooldownFraction: 0 })), /training\.lr\.cooldownFraction: a wsd schedule needs a cooldown fraction in \(0, 1\), got 0/);
  assert.match(msg(wsdGrid({ cooldownShape: 'cubic' })), /training\.lr\.cooldownShape: expected one of linear, 1-sqrt, got "cubic"/);
  assert.match(
    msg({ ...wsdGrid({ warmupFraction: undefined, warmupSteps: 90, cooldownFraction: 0.2 }) }),
    /training\.lr\.cooldownFraction: cell transformer\/s0\/steps100\/n64\/seed0: 100 steps with cooldownFraction 0\.2 branch at step 80, which must be after the 90 warmup steps/,
  );
});
