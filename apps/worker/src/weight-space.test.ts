/**
 * The worker on the weight-space benchmark: it reads a planned weight-space trial (checks naming the field), maps
 * it onto the weight-space trainer, and trains it in the training thread from the benchmark's dataset cache, with
 * the train-mean baseline, checkpoints, and a stop + resume that ends exactly where an uninterrupted run does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { planSweep, type Trial } from '@equiscale/sweeps';
import { createModelTrainer } from './model-trainer.js';
import { silentLogger } from './logger.js';
import { trialProblem, weightSpaceTrainingTrial } from './trial-config.js';
import type { TrainerCallbacks } from './trainer.js';

const benchmark = { kind: 'weight-space', hidden: [4, 4], fitSteps: 10, valExamples: 16, testExamples: 16, seed: 2 };
const plan = planSweep({
  name: 'ws-worker',
  benchmark,
  families: ['mlp+permute', 'dwsnet'],
  training: { batchSize: 8, lr: { peak: 3e-3, kind: 'cosine', warmupSteps: 0 } },
  modelSizes: [{ index: 0 }],
  steps: [20],
  trainSizes: [32],
  seeds: [0],
  eval: { every: 10, examples: 16 },
  checkpointEvery: 5,
});
const cell = (family: string): Trial => plan.cells.find((c) => c.family === family)!;
const cache = mkdtempSync(join(tmpdir(), 'equiscale-ws-worker-'));
after(() => rmSync(cache, { recursive: true, force: true }));

describe('weight-space trials in the worker', () => {
  it('accepts planned weight-space trials and maps them onto the trainer', () => {
    for (const t of plan.cells) assert.equal(trialProblem(t), null, t.cellKey);
    const w = weightSpaceTrainingTrial(cell('dwsnet'));
    assert.deepEqual(w.dims, { arch: 'dwsnet', channels: 2, layers: 2, headWidth: 8 });
    assert.equal(w.family, 'dwsnet');
    assert.deepEqual([w.steps, w.batchSize, w.evalEvery, w.evalExamples, w.checkpointEvery, w.seed], [20, 8, 10, 16, 5, 0]);
    assert.equal(weightSpaceTrainingTrial(cell('mlp+permute')).family, 'mlp+permute');
    // an architecture of the other benchmark, and a WSD schedule, are refused naming the field
    assert.match(trialProblem({ ...cell('dwsnet'), benchmark: { name: 'rigid-body', configHash: '' } })!, /^trial\.model_family: "dwsnet" is not an architecture of the rigid-body benchmark/);
    const t = cell('dwsnet');
    assert.match(trialProblem({ ...t, training: { ...t.training, lr: { ...t.training.lr, kind: 'wsd' } } })!, /^trial\.training\.lr\.kind/);
  });

  it('trains in the thread; resumed from its checkpoint it ends where an uninterrupted run does', async () => {
    const trainer = createModelTrainer({ cacheDir: cache, logger: silentLogger });
    try {
      const t = cell('mlp+permute');
      type Sink = { cks: Map<number, Uint8Array>; step: number; val: number };
      const sink = (): Sink => ({ cks: new Map(), step: 0, val: 0 });
      const cb = (stopAt: number | null, sink: Sink) =>
        ({
          onMetrics: (ps) => {
            for (const p of ps) if (p.split === 'val') sink.val++;
          },
          onCheckpoint: (data, step) => {
            sink.cks.set(step, data);
          },
          shouldStop: () => stopAt !== null && sink.step >= stopAt,
          onProgress: (step) => {
            sink.step = step;
          },
        }) satisfies TrainerCallbacks;
      const full = sink();
      const whole = await trainer.train(t, benchmark as never, null, cb(null, full));
      assert.equal(whole.status, 'completed', whole.error);
      assert.equal(whole.step, 20);
      assert.ok(whole.testLoss! > 0 && Number.isFinite(whole.testLoss!));
      assert.equal(whole.paramCount, t.plan.paramCount);
      assert.ok(whole.baselines!.predictMean! > 0, 'the train-mean predictor is measured');
      assert.ok(full.val >= 2, 'periodic and final validation points');

      // resume from the checkpoint the run wrote at step 10 (checkpointEvery 5): the same end, bit for bit
      const mid = full.cks.get(10);
      assert.ok(mid, `checkpoints at ${[...full.cks.keys()].join(', ')}`);
      const rest = await trainer.train(t, benchmark as never, { data: mid, step: 10 }, cb(null, sink()));
      assert.equal(rest.status, 'completed');
      assert.equal(rest.step, 20);
      assert.equal(rest.testLoss, whole.testLoss, 'resume is bit for bit');
      assert.equal(rest.valLoss, whole.valLoss);

      // a trial whose config hash differs from the assigned config is refused
      await assert.rejects(trainer.train(t, { ...benchmark, seed: 3 } as never, null, cb(null, sink())), /config_hash .* does not match/);
    } finally {
      await trainer.close?.();
    }
  });
});
