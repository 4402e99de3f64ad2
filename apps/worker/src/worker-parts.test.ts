import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syntheticTrialRows } from '@equiscale/db/testing';
import type { Trial } from '@equiscale/sweeps';
import { trainingConfig, trialProblem } from './trial-config.js';
import { backoffDelay } from './backoff.js';
import { MetricBuffer } from './metric-buffer.js';
import { createSleepTrainer } from './sleep-trainer.js';
import type { MetricPoint, TrainerCallbacks } from './trainer.js';
import { fitProblem } from './fit.js';
import { runWorker, WorkerConfigError } from './worker.js';

const pt = (step: number, loss = 1): MetricPoint => ({ step, split: 'train', loss, samplesSeen: step, wallTimeS: 0 });

describe('backoff', () => {
  it('grows exponentially to the cap, with jitter in [0.5, 1) of the cap', () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(a, { initialMs: 100, maxMs: 1000 }, lo)), [50, 100, 200, 400]);
    assert.equal(backoffDelay(10, { initialMs: 100, maxMs: 1000 }, hi), 1000);
    assert.equal(backoffDelay(100, { initialMs: 100, maxMs: 1000 }, lo), 500);
  });
});

describe('MetricBuffer', () => {
  it('sends in order, in batches, drops non-finite points, and flushes on demand', async () => {
    const sent: number[][] = [];
    const buf = new MetricBuffer(async (ps) => void sent.push(ps.map((p) => p.step)), 3, 0, () => {});
    await buf.add([pt(1), pt(2)]);
    assert.deepEqual(sent, []);
    await buf.add([pt(3, NaN), pt(4), pt(5)]);
    assert.deepEqual(sent, [[1, 2, 4], [5]], 'a full buffer is sent whole, in batches of 3');
    await buf.add([pt(6, Infinity), pt(7)]);
    assert.deepEqual(sent, [[1, 2, 4], [5]]);
    await buf.flush();
    assert.deepEqual(sent, [[1, 2, 4], [5], [7]]);
    assert.equal(buf.dropped, 2);
    buf.close();
  });
  it('keeps unsent points when a send fails', async () => {
    let fail = true;
    const sent: number[] = [];
    const buf = new MetricBuffer(async (ps) => {
      if (fail) throw new Error('down');
      sent.push(...ps.map((p) => p.step));
    }, 10, 0, () => {});
    await buf.add([pt(1)]);
    await assert.rejects(buf.flush(), /down/);
    fail = false;
    await buf.flush();
    assert.deepEqual(sent, [1]);
    buf.close();
  });
});

const cell: Trial = syntheticTrialRows(1, 'c', () => ({
  steps: 10,
  seed: 3,
  training: { batchSize: 4, lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0.2 }, gradClip: 1, evalEvery: 0, evalExamples: 4, checkpointEvery: 4, checkpointAt: [] },
  plan: { paramCount: 1000, nominalFlopsPerSample: 10, nominalFlops: 400, executedFlops: 1 },
}))[0]!;

function collect(stopAt?: number) {
  const points: MetricPoint[] = [];
  const checkpoints: { data: Uint8Array; step: number }[] = [];
  let step = 0;
  const cb: TrainerCallbacks = {
    onMetrics: (p) => void points.push(...p),
    onCheckpoint: (data, s) => void checkpoints.push({ data, step: s }),
    shouldStop: () => stopAt !== undefined && step >= stopAt,
    onProgress: (s) => {
      step = s;
    },
  };
  return { points, checkpoints, cb };
}

describe('sleep trainer', () => {
  it('checkpoints, stops on request and resumes to the uninterrupted result', async () => {
    const t = createSleepTrainer({ logEvery: 1 });
    const full = collect();
    const whole = await t.train(cell, null, null, full.cb);
    assert.equal(whole.status, 'completed');
    assert.deepEqual(full.checkpoints.map((c) => c.step), [4, 8]);

    const part = collect(6);
    const stopped = await t.train(cell, null, null, part.cb);
    assert.deepEqual([stopped.status, stopped.step], ['stopped', 6]);
    const last = part.checkpoints.at(-1)!;
    assert.equal(last.step, 6, 'a checkpoint is written at the stop');
    const rest = collect();
    const resumed = await t.train(cell, null, last, rest.cb);
    assert.deepEqual([resumed.status, resumed.step, resumed.testLoss], ['completed', 10, whole.testLoss]);
    assert.deepEqual(
      [...part.points, ...rest.points].map((p) => [p.split, p.step, p.loss]),
      full.points.map((p) => [p.split, p.step, p.loss]),
    );
    await assert.rejects(t.train({ ...cell, seed: 4 }, null, last, collect().cb), /not one of this cell/);
  });
});

describe('fitting a trial', () => {
  it('refuses models over the parameter limit or the memory budget, saying which', () => {
    assert.equal(fitProblem(cell, { maxParamCount: 1000, memoryBudgetBytes: 1e9 }), null);
    assert.match(fitProblem(cell, { maxParamCount: 999 })!, /1000 parameters, more than this worker's limit of 999/);
    assert.match(fitProblem({ ...cell, plan: { ...cell.plan, paramCount: 1e8 } }, { memoryBudgetBytes: 2 ** 30 })!, /needs at least 1908 MiB .* memory budget is 1024 MiB/);
  });
});

describe('reading the assigned trial', () => {
  it('reads the models TrialConfig off the trial as planned (no planner, no recomputation)', () => {
    assert.equal(trialProblem(cell), null);
    assert.deepEqual(trainingConfig(cell), {
      family: 'transformer',
      augment: false,
      dims: { family: 'transformer', width: 8, depth: 1, heads: 1, mlpRatio: 4 },
      steps: 10,
      batchSize: 4,
      lr: cell.training.lr,
      gradClip: 1,
      evalEvery: 0,
      evalExamples: 4,
      checkpointEvery: 4,
      seed: 3,
    });
  });

  it('refuses a malformed trial message with one line naming the field', () => {
    assert.match(trialProblem(undefined)!, /^trial: missing/);
    assert.match(trialProblem({ ...cell, steps: 0 })!, /^trial\.steps: expected an integer > 0, got 0/);
    assert.match(trialProblem({ ...cell, dims: { gatr: { mvChannels: 1, sChannels: 8, blocks: 1, heads: 1 } } })!, /^trial\.dims: expected exactly the transformer dims/);
    assert.match(trialProblem({ ...cell, training: undefined })!, /^trial\.training: missing/);
    assert.match(trialProblem({ ...cell, modelFamily: 'mlp' })!, /^trial\.model_family/);
    const lps = (o: object) => ({ ...cell, dims: { transformer: { ...cell.dims.transformer!, lps: { samples: 2, hidden: 16, noise: 4, ...o } } } });
    assert.match(trialProblem(lps({ samples: 0 }))!, /^trial\.dims\.transformer\.lps\.samples: expected an integer in \[1, 64\], got 0$/);
    assert.match(trialProblem(lps({ hidden: 1.5 }))!, /^trial\.dims\.transformer\.lps\.hidden/);
    const gatr = { ...cell, modelFamily: 'gatr', dims: { gatr: { mvChannels: 1, sChannels: 8, blocks: 1, heads: 1, approxInputs: 65 } } };
    assert.match(trialProblem(gatr)!, /^trial\.dims\.gatr\.approx_inputs: expected an integer in \[1, 64\], got 65$/);
  });

  it('reads early stopping off the training settings, and refuses it malformed, without evaluations, with wsd or on weight-space trials', () => {
    const es = (o: object, tr: object = {}): Trial => ({ ...cell, training: { ...cell.training, evalEvery: 5, ...tr, earlyStopping: { patience: 3, minImprovement: 0.01, ...o } } });
    assert.equal(trialProblem(es({})), null);
    assert.deepEqual(trainingConfig(es({})).earlyStopping, { patience: 3, minImprovement: 0.01 });
    assert.equal(trainingConfig(es({})).evalEvery, 5);
    assert.equal('earlyStopping' in trainingConfig(cell), false);
    assert.match(trialProblem(es({ patience: 0 }))!, /^trial\.training\.early_stopping\.patience: expected an integer > 0, got 0$/);
    assert.match(trialProblem(es({ minImprovement: 1 }))!, /^trial\.training\.early_stopping\.min_improvement: expected a number in \[0, 1\), got 1$/);
    assert.match(trialProblem(es({}, { evalEvery: 0 }))!, /^trial\.training\.early_stopping: needs eval_every > 0/);
    assert.match(trialProblem(es({}, { lr: { ...cell.training.lr, kind: 'wsd' } }))!, /^trial\.training\.early_stopping: not with lr\.kind "wsd"/);
    const ws: Trial = { ...es({}), family: 'mlp', modelFamily: 'mlp', dims: { mlp: { width: 8, depth: 1 } }, benchmark: { name: 'weight-space', configHash: '' } };
    assert.match(trialProblem(ws)!, /^trial\.training\.early_stopping: the weight-space trainer has no early stopping$/);
  });

  it("reads issue 16's family options off the dims: transformer+lps frames, gatr+approx fixed inputs", () => {
    const lps = { samples: 3, hidden: 8, noise: 2 };
    const t: Trial = { ...cell, family: 'transformer+lps', dims: { transformer: { ...cell.dims.transformer!, lps } } };
    assert.equal(trialProblem(t), null);
    assert.deepEqual(trainingConfig(t).dims, { family: 'transformer', width: 8, depth: 1, heads: 1, mlpRatio: 4, lps });
    const g: Trial = { ...cell, family: 'gatr+approx', modelFamily: 'gatr', dims: { gatr: { mvChannels: 1, sChannels: 8, blocks: 1, heads: 1, approxInputs: 2 } } };
    assert.equal(trialProblem(g), null);
    assert.deepEqual(trainingConfig(g).dims, { family: 'gatr', mvChannels: 1, sChannels: 8, blocks: 1, heads: 1, approxInputs: 2 });
  });
});

describe('runWorker options', () => {
  it('refuses bad options with the field named', async () => {
    await assert.rejects(runWorker({ coordinator: 'nohost', cacheDir: '/tmp' }), (e: unknown) => e instanceof WorkerConfigError && /HOST:PORT/.test((e as Error).message));
    await assert.rejects(runWorker({ coordinator: '127.0.0.1:1', cacheDir: '' }), /cacheDir is required/);
    await assert.rejects(runWorker({ coordinator: '127.0.0.1:1', cacheDir: '/tmp', maxParamCount: -1 }), /maxParamCount must be/);
  });
});
