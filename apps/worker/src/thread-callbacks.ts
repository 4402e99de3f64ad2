/**
 * What every training path of the training thread (rigid-body: train-thread.ts, weight-space: weight-space-thread.ts)
 * does the same way: check that the assigned benchmark config is the one the trial was planned on, forward dataset
 * generation progress (at most once a second), and turn the trainer's callbacks into thread messages — metrics and
 * checkpoints as they come (a checkpoint's bytes transferred, not copied twice), progress at most every 100 ms, and
 * the stop request read from the shared flag.
 */
import type { Trial } from '@equiscale/sweeps';
import type { MetricPoint } from '@equiscale/models';
import type { ThreadRequest, ThreadResponse } from './thread-protocol.js';

export type Post = (m: ThreadResponse, transfer?: ArrayBuffer[]) => void;
type TrainRequest = Extract<ThreadRequest, { type: 'train' }>;

/** Throws unless the trial names this benchmark config (by hash; '' only in rows migrated from a spec without one). */
export function checkBenchmarkHash(trial: Trial, hash: string, what: string): void {
  if (trial.benchmark.configHash && trial.benchmark.configHash !== hash) {
    throw new Error(
      `trial.benchmark.config_hash ${trial.benchmark.configHash.slice(0, 12)}… does not match the assigned ${what} (${hash.slice(0, 12)}…); the sweep's benchmark changed under the trial`,
    );
  }
}

/** onProgress for dataset generation: a 'dataset' message at most once a second, and at the end. */
export function datasetProgress(id: number, post: Post): (done: number, total: number) => void {
  let lastPost = 0;
  return (done, total) => {
    const now = performance.now();
    if (now - lastPost > 1000 || done === total) {
      lastPost = now;
      post({ type: 'dataset', id, done, total });
    }
  };
}

/** The trainer callbacks of one train request (the same shape for both trainers). */
export function trainerCallbacks(m: TrainRequest, post: Post) {
  const stop = new Int32Array(m.stop);
  let lastProgress = 0;
  return {
    onMetrics: (points: MetricPoint[]) => post({ type: 'metrics', id: m.id, points }),
    onCheckpoint: (bytes: Uint8Array, step: number) => {
      const copy = bytes.slice();
      post({ type: 'checkpoint', id: m.id, data: copy, step }, [copy.buffer as ArrayBuffer]);
    },
    shouldStop: () => Atomics.load(stop, 0) === 1,
    onProgress: (step: number, steps: number) => {
      const now = performance.now();
      if (now - lastProgress > 100 || step === steps) {
        lastProgress = now;
        post({ type: 'progress', id: m.id, step, steps });
      }
    },
  };
}
