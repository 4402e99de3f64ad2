/**
 * The training thread: runs @equiscale/models' trainTrial on rigid-body data, so that a long synchronous step
 * (or evaluation) never delays the main thread's heartbeats and RPCs. Talks to model-trainer.ts by messages;
 * the stop request arrives through a shared Int32 flag that trainTrial's shouldStop() reads after every step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, trainTrial, type BackendPreference, type TrialData } from '@equiscale/models';
import { loadDataset } from '@equiscale/rigid-body';
import { trialConfigFromCell, type TrialCell } from '@equiscale/sweeps';
import type { ThreadRequest, ThreadResponse } from './thread-protocol.js';

const port = parentPort!;
const { cacheDir, backend: prefer } = workerData as { cacheDir: string; backend?: BackendPreference };
let backendReady: Promise<string> | undefined;
let lastData: { key: string; data: TrialData } | undefined;

const post = (m: ThreadResponse, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function data(cell: TrialCell, id: number): Promise<TrialData> {
  const key = JSON.stringify([cell.benchmark, cell.trainSize]);
  if (lastData?.key === key) return lastData.data;
  let lastPost = 0;
  const d = await loadDataset(cell.benchmark, {
    trainSize: cell.trainSize,
    cacheDir,
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - lastPost > 1000 || done === total) {
        lastPost = now;
        post({ type: 'dataset', id, done, total });
      }
    },
  });
  lastData = { key, data: { train: d.train, val: d.val, test: d.test } };
  return lastData.data;
}

async function train(m: Extract<ThreadRequest, { type: 'train' }>): Promise<void> {
  const backend = await (backendReady ??= initBackend(prefer));
  const stop = new Int32Array(m.stop);
  const cell = m.cell;
  const config = trialConfigFromCell(cell);
  let lastProgress = 0;
  const o = await trainTrial(
    config,
    await data(cell, m.id),
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
      paramCount: o.summary.paramCount,
      executedFlops: o.summary.executedFlopsPerSample * config.batchSize * o.step,
      ...(o.error ? { error: o.error } : {}),
    },
  });
}

port.on('message', (m: ThreadRequest) => {
  const run = m.type === 'init' ? (backendReady ??= initBackend(prefer)).then((b) => post({ type: 'ready', id: m.id, backend: b })) : train(m);
  run.catch((err: unknown) => {
    post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
  });
});
