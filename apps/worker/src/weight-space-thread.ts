/**
 * The training thread's weight-space path (libs/weight-space through its plug-in, libs/benchmark): the dataset of
 * fitted INRs from the benchmark's seeded cache, the benchmark's trainer (mlp, mlp+permute, dwsnet), and the
 * trivial predictor's test loss for the report. Checkpoints and resume are the trainer's own (EQCK v1: parameters,
 * Adam state, data order), so a preempted weight-space trial continues from its last checkpoint bit for bit.
 */
import { weightSpaceBenchmark, validateWeightSpaceConfig, weightSpaceConfigHash, type WeightSpaceConfig, type WeightSpaceExamples } from '@equiscale/weight-space';
import type { Trial } from '@equiscale/sweeps';
import { weightSpaceTrainingTrial } from './trial-config.js';
import type { ThreadRequest, ThreadResponse } from './thread-protocol.js';
import type { TrainerOutcome } from './trainer.js';

type Post = (m: ThreadResponse, transfer?: ArrayBuffer[]) => void;
type Data = { train: WeightSpaceExamples; val: WeightSpaceExamples; test: WeightSpaceExamples };

let lastData: { key: string; data: Data; predictMean: number } | undefined;

async function data(trial: Trial, cfg: WeightSpaceConfig, cacheDir: string, id: number, post: Post): Promise<NonNullable<typeof lastData>> {
  const key = JSON.stringify([cfg, trial.trainSize]);
  if (lastData?.key === key) return lastData;
  let lastPost = 0;
  const d = await weightSpaceBenchmark.loadDataset(cfg, {
    trainSize: trial.trainSize,
    cacheDir,
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - lastPost > 1000 || done === total) {
        lastPost = now;
        post({ type: 'dataset', id, done, total });
      }
    },
  });
  const ds = { train: d.train, val: d.val, test: d.test };
  const test = weightSpaceBenchmark.baselines(ds).find((b) => b.split === 'test');
  lastData = { key, data: ds, predictMean: test?.loss ?? Number.NaN };
  return lastData;
}

/** Trains one weight-space trial in this thread; the caller has initialised the tfjs backend. */
export async function trainWeightSpace(m: Extract<ThreadRequest, { type: 'train' }>, backend: string, cacheDir: string, post: Post): Promise<void> {
  const trial = m.trial;
  const cfg = validateWeightSpaceConfig(m.benchmark);
  const hash = weightSpaceConfigHash(cfg);
  if (trial.benchmark.configHash && trial.benchmark.configHash !== hash) {
    throw new Error(`trial.benchmark.config_hash ${trial.benchmark.configHash.slice(0, 12)}… does not match the assigned weight-space config (${hash.slice(0, 12)}…); the sweep's benchmark changed under the trial`);
  }
  const loaded = await data(trial, cfg, cacheDir, m.id, post);
  const trainer = await weightSpaceBenchmark.loadTrainer();
  const stop = new Int32Array(m.stop);
  let lastProgress = 0;
  const o = await trainer.train(
    weightSpaceTrainingTrial(trial),
    loaded.data,
    {
      onMetrics: (points) => post({ type: 'metrics', id: m.id, points }),
      onCheckpoint: (bytes, step) => {
        const copy = bytes.slice();
        post({ type: 'checkpoint', id: m.id, data: copy, step }, [copy.buffer as ArrayBuffer]);
      },
      shouldStop: () => Atomics.load(stop, 0) === 1,
      onProgress: (step, steps) => {
        const now = performance.now();
        if (now - lastProgress > 100 || step === steps) {
          lastProgress = now;
          post({ type: 'progress', id: m.id, step, steps });
        }
      },
    },
    m.resume ?? undefined,
  );
  const outcome: TrainerOutcome = {
    status: o.status,
    step: o.step,
    trainLoss: o.trainLoss,
    valLoss: o.valLoss,
    testLoss: o.testLoss,
    backend: o.backend || backend,
    paramCount: o.summary.paramCount,
    executedFlops: (trial.plan.executedFlops * o.step) / trial.steps,
    // the rigid-body predictors do not apply: 0 there, the train-mean predictor's test loss in predictMean
    ...(Number.isFinite(loaded.predictMean) ? { baselines: { noMotion: 0, constantVelocity: 0, predictMean: loaded.predictMean } } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
  post({ type: 'done', id: m.id, outcome });
}
