/**
 * The real trainer: loads the rigid-body dataset (cached in cacheDir) and runs @equiscale/models' trainTrial
 * in ONE long-lived worker thread (the backend is initialised once; the last dataset stays in memory).
 * Training in a thread keeps the main thread free for heartbeats: a step or a full evaluation can take longer
 * than a heartbeat interval, and must not cost the lease.
 *
 * Callbacks run on the main thread in the order the thread sent them; a checkpoint still waiting behind a
 * newer one is skipped (only the latest matters), so a slow coordinator never piles up checkpoints; a WSD trunk's
 * checkpoints at its branch points (cell.checkpointAt) are never skipped: its branches start from them.
 */
import { Worker } from 'node:worker_threads';
import type { Trial } from '@equiscale/sweeps';
import type { Logger } from './logger.js';
import type { ThreadRequest, ThreadResponse } from './thread-protocol.js';
import type { ResumePoint, SweepBenchmark, Trainer, TrainerCallbacks, TrainerOutcome } from './trainer.js';

export interface ModelTrainerOptions {
  cacheDir: string;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  logger: Logger;
}

interface Job {
  id: number;
  onMessage(m: ThreadResponse): void;
  fail(err: Error): void;
}

export function createModelTrainer(opts: ModelTrainerOptions): Trainer {
  let thread: Worker | undefined;
  let job: Job | undefined;
  let nextId = 1;

  const ensureThread = (): Worker => {
    if (thread) return thread;
    const t = new Worker(new URL('./thread-boot.mjs', import.meta.url), {
      // not the parent's flags (e.g. --input-type, --eval are refused in a thread); the boot file registers tsx
      execArgv: [],
      workerData: { entry: new URL('./train-thread.ts', import.meta.url).href, cacheDir: opts.cacheDir, backend: opts.backend },
    });
    t.on('message', (m: ThreadResponse) => {
      if (job && m.id === job.id) job.onMessage(m);
    });
    t.on('error', (err) => {
      opts.logger.error('training thread crashed', { error: err });
      job?.fail(new Error(`training thread crashed: ${err.message}`));
    });
    t.on('exit', (code) => {
      if (thread === t) thread = undefined;
      job?.fail(new Error(`training thread exited (code ${code})`));
    });
    thread = t;
    return t;
  };

  const request = <T>(make: (id: number) => ThreadRequest, handle: (m: ThreadResponse, resolve: (v: T) => void, reject: (e: Error) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      if (job) throw new Error('model trainer: one trial at a time');
      const id = nextId++;
      const done = (f: () => void) => {
        if (job?.id === id) job = undefined;
        f();
      };
      job = {
        id,
        onMessage: (m) => handle(m, (v) => done(() => resolve(v)), (e) => done(() => reject(e))),
        fail: (e) => done(() => reject(e)),
      };
      ensureThread().postMessage(make(id));
    });

  let backendName: Promise<string> | undefined;
  return {
    backend() {
      backendName ??= request<string>(
        (id) => ({ type: 'init', id }),
        (m, resolve, reject) => {
          if (m.type === 'ready') resolve(m.backend);
          else if (m.type === 'error') reject(new Error(m.message));
        },
      );
      return backendName;
    },

    async train(trial: Trial, benchmark: SweepBenchmark | null, resume: ResumePoint | null, cb: TrainerCallbacks, teacher: Uint8Array | null = null): Promise<TrainerOutcome> {
      if (!benchmark) throw new Error(`trial ${trial.cellKey}: the assignment carries no benchmark config (TrialAssignment.benchmark); the model trainer needs the sweep's`);
      const stopBuf = new SharedArrayBuffer(4);
      const stop = new Int32Array(stopBuf);
      const poll = setInterval(() => {
        if (cb.shouldStop()) Atomics.store(stop, 0, 1);
      }, 50);
      // callbacks in order, on the main thread
      let chain: Promise<void> = Promise.resolve();
      let callbackError: unknown;
      let latestCheckpoint = 0;
      const branchPoints = new Set(trial.training.checkpointAt ?? []);
      const enqueue = (f: () => void | Promise<void>) => {
        chain = chain.then(f).catch((err: unknown) => {
          callbackError ??= err;
          Atomics.store(stop, 0, 1);
        });
      };
      try {
        const outcome = await request<TrainerOutcome>(
          (id) => ({ type: 'train', id, trial, benchmark, resume: resume ? resume.data : null, teacher, stop: stopBuf }),
          (m, resolve, reject) => {
            if (m.type === 'metrics') enqueue(() => cb.onMetrics(m.points));
            else if (m.type === 'progress') cb.onProgress(m.step, m.steps);
            else if (m.type === 'dataset') opts.logger.info('generating dataset', { cell: trial.cellKey, examples: m.done, of: m.total });
            else if (m.type === 'checkpoint') {
              const seq = ++latestCheckpoint;
              enqueue(() => (seq === latestCheckpoint || branchPoints.has(m.step) ? cb.onCheckpoint(m.data, m.step) : undefined));
            } else if (m.type === 'done') resolve(m.outcome);
            else if (m.type === 'error') reject(Object.assign(new Error(m.message), { stack: m.stack ?? m.message }));
          },
        );
        await chain;
        if (callbackError !== undefined) throw callbackError;
        return outcome;
      } finally {
        clearInterval(poll);
        await chain;
      }
    },

    async close() {
      const t = thread;
      thread = undefined;
      await t?.terminate();
    },
  };
}
