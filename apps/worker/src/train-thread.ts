/**
 * The training thread: runs @equiscale/models' trainTrial on rigid-body data (weight-space trials: the weight-space
 * benchmark's trainer, ./weight-space-thread.ts), so that a long synchronous step
 * (or evaluation) never delays the main thread's heartbeats and RPCs. Talks to model-trainer.ts by messages;
 * the stop request arrives through a shared Int32 flag that trainTrial's shouldStop() reads after every step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, trainTrial, type BackendPreference, type TrialData } from '@equiscale/models';
import { baselineLosses, benchmarkConfigHash, loadDataset, type BenchmarkConfig } from '@equiscale/rigid-body';
import { rigidBodyBenchmark, type Trial } from '@equiscale/sweeps';
import { isWeightSpaceTrial, trainingConfig } from './trial-config.js';
import { trainWeightSpace } from './weight-space-thread.js';
import { checkBenchmarkHash, datasetProgress, trainerCallbacks } from './thread-callbacks.js';
import type { ThreadRequest, ThreadResponse } from './thread-protocol.js';

const port = parentPort!;
const { cacheDir, backend: prefer } = workerData as { cacheDir: string; backend?: BackendPreference };
let backendReady: Promise<string> | undefined;
let lastData: { key: string; data: TrialData; baselines: { noMotion: number; constantVelocity: number } } | undefined;

const post = (m: ThreadResponse, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** The trial's data, and the trivial predictors' losses on its test set (measured once per dataset). */
async function data(trial: Trial, benchmark: BenchmarkConfig, id: number): Promise<NonNullable<typeof lastData>> {
  const key = JSON.stringify([benchmark, trial.trainSize]);
  if (lastData?.key === key) return lastData;
  const d = await loadDataset(benchmark, { trainSize: trial.trainSize, cacheDir, onProgress: datasetProgress(id, post) });
  lastData = { key, data: { train: d.train, val: d.val, test: d.test }, baselines: baselineLosses(d.test, benchmark.pastOffset, benchmark.horizon) };
  return lastData;
}

async function train(m: Extract<ThreadRequest, { type: 'train' }>): Promise<void> {
  const backend = await (backendReady ??= initBackend(prefer));
  const trial = m.trial;
  if (isWeightSpaceTrial(trial)) return trainWeightSpace(m, backend, cacheDir, post);
  // the trial names the sweep's benchmark by hash: train on that one, or not at all ('' only in rows migrated from
  // a spec without a valid benchmark)
  const benchmark = rigidBodyBenchmark(m.benchmark);
  checkBenchmarkHash(trial, benchmarkConfigHash(benchmark), 'benchmark config');
  const config = trainingConfig(trial);
  const loaded = await data(trial, benchmark, m.id);
  const o = await trainTrial(config, loaded.data, trainerCallbacks(m, post), m.resume ?? undefined, m.teacher ? { teacher: m.teacher } : {});
  post({
    type: 'done',
    id: m.id,
    outcome: {
      status: o.status,
      step: o.step,
      trainLoss: o.trainLoss,
      valLoss: o.valLoss,
      testLoss: o.testLoss,
      backend: o.backend || backend,
      // the model actually built, checked by the coordinator against trial.plan.paramCount
      paramCount: o.summary.paramCount,
      // the plan's executed FLOPs, prorated to the steps done (no recomputation here)
      executedFlops: (trial.plan.executedFlops * o.step) / trial.steps,
      baselines: loaded.baselines,
      ...(o.error ? { error: o.error } : {}),
      ...(o.symmetry ? { symmetry: o.symmetry } : {}),
      // early stopping: where training stopped (o.step) and which step's parameters valLoss and testLoss are of
      ...(o.earlyStopping ? { earlyStopping: o.earlyStopping } : {}),
    },
  });
}

port.on('message', (m: ThreadRequest) => {
  const run = m.type === 'init' ? (backendReady ??= initBackend(prefer)).then((b) => post({ type: 'ready', id: m.id, backend: b })) : train(m);
  run.catch((err: unknown) => {
    post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
  });
});
