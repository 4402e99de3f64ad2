/**
 * A trainer that only pretends: each step sleeps msPerStep and "loss" is a deterministic function of (seed,
 * step). It honours the whole Trainer contract (metrics, checkpoints every checkpointEvery steps, resume,
 * stop), so the queue bench and the orchestration tests exercise the worker loop without the cost of
 * training. Same cell + same seed → same losses, with or without an interruption.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Trial } from '@equiscale/sweeps';
import type { MetricPoint, ResumePoint, Trainer, TrainerCallbacks, TrainerOutcome } from './trainer.js';

export interface SleepTrainerOptions {
  /** wall time per step (0: yield to the event loop only) */
  msPerStep?: number;
  /** steps per train-loss point (default: max(1, steps / 20)) */
  logEvery?: number;
  /** overrides the cell's checkpointEvery */
  checkpointEvery?: number;
  /** throw an Error at this step (tests of FailTrial) */
  throwAtStep?: number;
  /** report a NaN loss at this step (tests of divergence) */
  divergeAtStep?: number;
}

const MAGIC = 0x51ee9;

/** The pretend loss: decays with steps, wobbles by seed. */
export function sleepLoss(seed: number, step: number, split: 'train' | 'val' | 'test' = 'train'): number {
  const off = split === 'train' ? 0 : split === 'val' ? 0.01 : 0.02;
  let h = (seed * 2654435761 + step * 40503 + off * 1e4) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
  const wobble = (h % 1000) / 1e5;
  return 1 / (1 + 0.05 * step) + off + wobble;
}

export function createSleepTrainer(opts: SleepTrainerOptions = {}): Trainer {
  return {
    async backend() {
      return 'sleep';
    },
    async train(cell: Trial, _benchmark: unknown, resume: ResumePoint | null, cb: TrainerCallbacks): Promise<TrainerOutcome> {
      let step = 0;
      if (resume) {
        const view = new DataView(resume.data.buffer, resume.data.byteOffset, resume.data.byteLength);
        if (resume.data.byteLength !== 12 || view.getUint32(0) !== MAGIC || view.getInt32(8) !== cell.seed) {
          throw new Error('sleep trainer: the checkpoint is not one of this cell (magic or seed differ)');
        }
        step = view.getUint32(4);
      }
      const started = performance.now();
      const logEvery = opts.logEvery ?? Math.max(1, Math.round(cell.steps / 20));
      const every = opts.checkpointEvery ?? cell.training.checkpointEvery;
      const point = (split: MetricPoint['split'], loss: number): MetricPoint => ({
        step,
        split,
        loss,
        samplesSeen: step * cell.training.batchSize,
        wallTimeS: (performance.now() - started) / 1000,
      });
      const checkpoint = async () => {
        const data = new Uint8Array(12);
        const view = new DataView(data.buffer);
        view.setUint32(0, MAGIC);
        view.setUint32(4, step);
        view.setInt32(8, cell.seed);
        await cb.onCheckpoint(data, step);
      };
      const outcome = (status: TrainerOutcome['status'], extra: Partial<TrainerOutcome> = {}): TrainerOutcome => ({
        status,
        step,
        trainLoss: step > 0 ? sleepLoss(cell.seed, step) : null,
        valLoss: null,
        testLoss: null,
        backend: 'sleep',
        paramCount: cell.plan.paramCount,
        executedFlops: cell.steps > 0 ? (cell.plan.executedFlops * step) / cell.steps : 0,
        ...extra,
      });
      while (step < cell.steps) {
        if (opts.msPerStep) await sleep(opts.msPerStep);
        else await new Promise((r) => setImmediate(r));
        if (opts.throwAtStep === step + 1) throw new Error(`sleep trainer: failing on purpose at step ${step + 1}`);
        if (opts.divergeAtStep === step + 1) {
          return outcome('diverged', { error: `training loss is NaN at step ${step + 1}` });
        }
        step++;
        if (step % logEvery === 0 || step === cell.steps) await cb.onMetrics([point('train', sleepLoss(cell.seed, step))]);
        cb.onProgress(step, cell.steps);
        if (every > 0 && step % every === 0) await checkpoint();
        if (step < cell.steps && cb.shouldStop()) {
          if (!(every > 0 && step % every === 0)) await checkpoint();
          return outcome('stopped');
        }
      }
      const valLoss = sleepLoss(cell.seed, step, 'val');
      const testLoss = sleepLoss(cell.seed, step, 'test');
      await cb.onMetrics([point('val', valLoss), point('test', testLoss)]);
      return outcome('completed', { valLoss, testLoss });
    },
  };
}
