/**
 * The training thread's weight-space path (libs/weight-space through its plug-in, libs/benchmark): the dataset of
 * fitted INRs from the benchmark's seeded cache, the benchmark's trainer (mlp, mlp+permute, dwsnet), and the
 * trivial predictor's test loss for the report. Checkpoints and resume are the trainer's own (EQCK v1: parameters,
 * Adam state, data order), so a preempted weight-space trial continues from its last checkpoint bit for bit.
 */
import { weightSpaceBenchmark, validateWeightSpaceConfig, weightSpaceConfigHash, type WeightSpaceConfig, type WeightSpaceExamples } from '@equiscale/weight-space';
import type { Trial } from '@equiscale/sweeps';
import { weightSpaceTrainingTrial } from './trial-config.js';
import { checkBenchmarkHash, datasetProgress, trainerCallbacks, type Post } from './thread-callbacks.js';
import type { ThreadRequest } from './thread-protocol.js';
import type { TrainerOutcome } from './trainer.js';
type Data = { train: WeightSpaceExamples; val: WeightSpaceExamples; test: WeightSpaceExamples };

let lastData: { key: string; data: Data; predictMean: number } | undefined;

async function data(trial: Trial, cfg: WeightSpaceConfig, cacheDir: string, id: number, post: Post): Promise<NonNullable<typeof lastData>> {
  const key = JSON.stringify([cfg, trial.trainSize]);
  if (lastData?.key === key) return lastData;
  const d = await weightSpaceBenchmark.loadDataset(cfg, { trainSize: trial.trainSize, cacheDir, onProgress: datasetProgress(id, post) });
  const ds = { train: d.train, val: d.val, test: d.test };
  const test = weightSpaceBenchmark.baselines(ds).find((b) => b.split === 'test');
  lastData = { key, data: ds, predictMean: test?.loss ?? Number.NaN };
  return lastData;
}

/** Trains one weight-space trial in this thread; the caller has initialised the tfjs backend. */
export async function trainWeightSpace(m: Extract<ThreadRequest, { type: 'train' }>, backend: string, cacheDir: string, post: Post): Promise<void> {
  const trial = m.trial;
  const cfg = validateWeightSpaceConfig(m.benchmark);
  checkBenchmarkHash(trial, weightSpaceConfigHash(cfg), 'weight-space config');
  const loaded = await data(trial, cfg, cacheDir, m.id, post);
  const trainer = await weightSpaceBenchmark.loadTrainer();
  const o = await trainer.train(weightSpaceTrainingTrial(trial), loaded.data, trainerCallbacks(m, post), m.resume ?? undefined);
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
