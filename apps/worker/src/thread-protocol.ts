/** Messages between model-trainer.ts (main thread) and train-thread.ts. */
import type { Trial } from '@equiscale/sweeps';
import type { MetricPoint, SweepBenchmark, TrainerOutcome } from './trainer.js';

export type ThreadRequest =
  | { type: 'init'; id: number }
  | {
      type: 'train';
      id: number;
      trial: Trial;
      benchmark: SweepBenchmark;
      resume: Uint8Array | null;
      /** a student's teacher checkpoint (symmetry cloning); null otherwise */
      teacher: Uint8Array | null;
      /** SharedArrayBuffer of one Int32: 1 = stop after the current step */
      stop: SharedArrayBuffer;
    };

export type ThreadResponse =
  | { type: 'ready'; id: number; backend: string }
  | { type: 'metrics'; id: number; points: MetricPoint[] }
  | { type: 'checkpoint'; id: number; data: Uint8Array; step: number }
  | { type: 'progress'; id: number; step: number; steps: number }
  /** dataset generation progress (examples generated so far, of total), when the cache misses */
  | { type: 'dataset'; id: number; done: number; total: number }
  | { type: 'done'; id: number; outcome: TrainerOutcome }
  | { type: 'error'; id: number; message: string; stack?: string };
