/**
 * Early stopping on the validation split (TrialConfig.earlyStopping): it stops a tiny over-fitting problem before
 * its step cap, reports the losses of the best-on-validation parameters (checked against a net rebuilt from the
 * checkpoint written at the best step), resumes from a checkpoint to the bit-identical outcome of an uninterrupted
 * run, reaches the cap when patience never runs out, and refuses bad settings with one line naming the field.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricPoint, TrialConfig, TrialData } from '../api.js';
import { initBackend } from '../backend/init.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { deserializeCheckpoint } from './checkpoint.js';
import { evaluateLoss } from './evaluate.js';
import { writeParams } from './flat-params.js';
import { createNet } from './nets.js';
import { trainTrial } from './trainer.js';

before(async () => {
  await initBackend('cpu');
});

const mk = (count: number, seed: number) => makeFixtureExamples({ count, maxBodies: 3, maxVerts: 4, seed });
// 8 training examples: the transformer over-fits within ~100 steps, so the validation loss flattens and wobbles
const data: TrialData = { train: mk(8, 1), val: mk(32, 2), test: mk(32, 3) };

function config(over: Partial<TrialConfig> = {}): TrialConfig {
  return {
    family: 'transformer',
    augment: false,
    dims: { family: 'transformer', width: 16, depth: 1, heads: 2, mlpRatio: 2 },
    steps: 600,
    batchSize: 8,
    lr: { peak: 1e-2, kind: 'constant-cooldown', warmupSteps: 5, minRatio: 0.1, cooldownFraction: 0.2 },
    gradClip: 1,
    evalEvery: 10,
    evalExamples: 16,
    checkpointEvery: 0,
    seed: 11,
    earlyStopping: { patience: 3, minImprovement: 0.01 },
    // train-loss windows of 5 steps: the resume test stops at a multiple of 5 (a resumed run restarts its window)
    logEvery: 5,
    ...over,
  };
}

/** Test loss of the parameters stored in a checkpoint, on a net rebuilt from its header. */
function testLossOf(bytes: Uint8Array, which: 'params' | 'bestParams' = 'params'): number {
  const ck = deserializeCheckpoint(bytes);
  const net = createNet(ck.header.dims, ck.header.shapes, ck.header.seed, ck.header.motionGain);
  try {
    const flat = ck[which]!;
    assert.equal(net.variables.reduce((a, v) => a + v.size, 0), flat.length);
    writeParams(net, flat);
    return evaluateLoss(net, data.test);
  } finally {
    net.dispose();
  }
}

describe('early stopping on the validation split', () => {
  it('stops a tiny over-fitting problem before its step cap, on the patience rule', async () => {
    const metrics: MetricPoint[] = [];
    const out = await trainTrial(config(), data, { onMetrics: (p) => void metrics.push(...p) });
    assert.equal(out.status, 'completed');
    const es = out.earlyStopping!;
    assert.ok(es, 'the outcome reports how early stopping ended');
    assert.equal(es.stoppedEarly, true);
    assert.equal(es.stoppedStep, out.step);
    assert.ok(out.step < 600, `stopped at ${out.step} of 600 steps`);
    const val = metrics.filter((m) => m.split === 'val');
    // one evaluation every 10 steps up to the stop, none after it
    assert.deepEqual(val.map((m) => m.step), Array.from({ length: out.step / 10 }, (_, i) => (i + 1) * 10));
    // the kept parameters are those of the lowest validation loss; the reported validation loss is that evaluation's
    const best = val.reduce((a, b) => (b.loss < a.loss ? b : a));
    assert.equal(es.bestStep, best.step);
    assert.equal(out.valLoss, best.loss);
    assert.ok(es.bestStep < es.stoppedStep, `best at ${es.bestStep}, stopped at ${es.stoppedStep}`);
    // the patience rule: the last 3 evaluations did not improve the best before them by more than 1%, and training did
    // not stop earlier (some earlier window of 3 had a significant improvement or the run would have ended there)
    const before = Math.min(...val.slice(0, -3).map((m) => m.loss));
    assert.ok(val.slice(-3).every((m) => !(m.loss < before * 0.99)), 'the last 3 evaluations did not improve by more than 1%');
    // the test point is at the kept parameters' step, once
    assert.deepEqual(metrics.filter((m) => m.split === 'test').map((m) => [m.step, m.loss, m.samplesSeen]), [[es.bestStep, out.testLoss, es.bestStep * 8]]);
  });

  it('reports the test loss of the best-on-validation parameters, not of the last ones', async () => {
    const checkpoints = new Map<number, Uint8Array>();
    const out = await trainTrial(config({ checkpointEvery: 10 }), data, { onCheckpoint: (ck, step) => void checkpoints.set(step, ck) });
    const es = out.earlyStopping!;
    assert.equal(es.stoppedEarly, true);
    const atBest = checkpoints.get(es.bestStep)!;
    assert.ok(atBest, `a checkpoint at the best step ${es.bestStep}`);
    assert.equal(testLossOf(atBest), out.testLoss, 'reported test loss = test loss of the parameters at the best step');
    // the parameters at the stop are different ones, with another test loss
    const last = checkpoints.get(es.stoppedStep) ?? [...checkpoints].sort((a, b) => b[0] - a[0])[0]![1];
    assert.notEqual(testLossOf(last), out.testLoss);
    // the checkpoint carries early stopping's state: the best parameters equal those written at the best step
    const h = deserializeCheckpoint(last).header;
    assert.equal(h.earlyStopping!.bestStep, es.bestStep);
    assert.equal(h.earlyStopping!.bestValLoss, out.valLoss);
    assert.equal(testLossOf(last, 'bestParams'), out.testLoss);
    assert.equal(new DataView(last.buffer, last.byteOffset).getUint32(4, true), 2, 'format version 2 with the early-stopping section');
  });

  it('resumed mid-way (best kept, evaluations since it counted) gives the bit-identical outcome of an uninterrupted run', async () => {
    const straightMetrics: MetricPoint[] = [];
    const a = await trainTrial(config(), data, { onMetrics: (p) => void straightMetrics.push(...p) });
    const es = a.earlyStopping!;
    assert.equal(es.stoppedEarly, true);
    // stop one evaluation before the end: the best lies behind and patience - 1 evaluations have not improved on it
    const stopAt = es.stoppedStep - 5;
    let steps = 0;
    let stopped: Uint8Array | null = null;
    const firstMetrics: MetricPoint[] = [];
    const b1 = await trainTrial(config(), data, {
      onProgress: (s) => (steps = s),
      shouldStop: () => steps === stopAt,
      onCheckpoint: (ck) => void (stopped = ck),
      onMetrics: (p) => void firstMetrics.push(...p),
    });
    assert.deepEqual([b1.status, b1.step, b1.earlyStopping], ['stopped', stopAt, undefined]);
    const state = deserializeCheckpoint(stopped!).header.earlyStopping!;
    assert.equal(state.bestStep, es.bestStep);
    assert.equal(state.evalsSinceImprovement, 2, 'two evaluations without a significant improvement so far');
    const secondMetrics: MetricPoint[] = [];
    const b2 = await trainTrial(config(), data, { onMetrics: (p) => void secondMetrics.push(...p) }, stopped!);
    assert.deepEqual(
      [b2.status, b2.step, b2.trainLoss, b2.valLoss, b2.testLoss, b2.earlyStopping],
      [a.status, a.step, a.trainLoss, a.valLoss, a.testLoss, a.earlyStopping],
    );
    const curve = (ms: MetricPoint[]) => ms.filter((m) => m.split !== 'train').map((m) => [m.split, m.step, m.loss]);
    assert.deepEqual(curve([...firstMetrics, ...secondMetrics]), curve(straightMetrics));
  });

  it('without a stop before the cap: the cap is evaluated too, and the run is reported as not stopped early', async () => {
    const metrics: MetricPoint[] = [];
    const out = await trainTrial(config({ steps: 25 }), data, { onMetrics: (p) => void metrics.push(...p) });
    assert.equal(out.status, 'completed');
    assert.equal(out.step, 25);
    assert.equal(out.earlyStopping!.stoppedEarly, false);
    assert.equal(out.earlyStopping!.stoppedStep, 25);
    const val = metrics.filter((m) => m.split === 'val');
    assert.deepEqual(val.map((m) => m.step), [10, 20, 25]);
    assert.equal(out.valLoss, Math.min(...val.map((m) => m.loss)));
    assert.equal(out.earlyStopping!.bestStep, val.find((m) => m.loss === out.valLoss)!.step);
  });

  it('a trial without early stopping reports none and writes version 1 checkpoints as before', async () => {
    let ck: Uint8Array | null = null;
    const out = await trainTrial(config({ steps: 20, earlyStopping: undefined, checkpointEvery: 10 }), data, { onCheckpoint: (c) => void (ck = c) });
    assert.equal(out.earlyStopping, undefined);
    assert.equal(out.step, 20);
    assert.equal(new DataView(ck!.buffer, ck!.byteOffset).getUint32(4, true), 1);
    assert.equal(deserializeCheckpoint(ck!).header.earlyStopping, undefined);
    // a checkpoint without the early-stopping section does not resume a trial with early stopping (nor the reverse)
    await assert.rejects(trainTrial(config({ steps: 20 }), data, {}, ck!), /checkpoint was written with earlyStopping off; the trial has earlyStopping .*: resume with the same trial/);
  });

  it('bad settings are refused with one line naming the field', async () => {
    const cases: [TrialConfig['earlyStopping'] | null, Partial<TrialConfig>, RegExp][] = [
      [{ patience: 0, minImprovement: 0.01 }, {}, /^config\.earlyStopping\.patience must be a positive integer number of evaluations \(got 0\)$/],
      [{ patience: 1.5, minImprovement: 0.01 }, {}, /^config\.earlyStopping\.patience must be a positive integer/],
      [{ patience: 3, minImprovement: 1 }, {}, /^config\.earlyStopping\.minImprovement must be a relative improvement in \[0, 1\), e\.g\. 0\.01 \(got 1\)$/],
      [{ patience: 3, minImprovement: -0.1 }, {}, /^config\.earlyStopping\.minImprovement must be/],
      [{ patience: 3 } as TrialConfig['earlyStopping'], {}, /^config\.earlyStopping\.minImprovement must be .*\(got undefined\)$/],
      [null, {}, /^config\.earlyStopping must be \{ patience, minImprovement \} \(got null\)$/],
      [{ patience: 3, minImprovement: 0.01 }, { evalEvery: 0 }, /^config\.earlyStopping needs config\.evalEvery > 0/],
    ];
    for (const [earlyStopping, over, re] of cases) {
      await assert.rejects(trainTrial(config({ ...over, earlyStopping: earlyStopping as TrialConfig['earlyStopping'] }), data), (e: Error) => {
        assert.match(e.message, re);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      });
    }
  });
});
