/**
 * Batches metric points between the trainer and ReportMetrics: flushed when `batchSize` points wait, on a
 * timer, and before every checkpoint and the final result. One flush at a time, in order. Non-finite points
 * (a diverging step) are not sent: the coordinator accepts finite losses only, and divergence is reported by
 * the outcome instead.
 */
import { MAX_METRIC_POINTS_PER_BATCH } from '@equiscale/contract';
import type { MetricPoint } from './trainer.js';

/** The coordinator's largest batch (the protocol limit). */
export const MAX_POINTS_PER_BATCH = MAX_METRIC_POINTS_PER_BATCH;

export class MetricBuffer {
  private pending: MetricPoint[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;

  constructor(
    private readonly send: (points: MetricPoint[]) => Promise<void>,
    private readonly batchSize: number,
    flushEveryMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(this.onError), flushEveryMs);
      this.timer.unref();
    }
  }

  async add(points: MetricPoint[]): Promise<void> {
    for (const p of points) {
      if (Number.isFinite(p.loss) && Number.isFinite(p.wallTimeS)) this.pending.push(p);
      else this.dropped++;
    }
    if (this.pending.length >= this.batchSize) await this.flush();
  }

  /** Sends everything added so far; resolves when it is stored (or rejects with the send error). */
  flush(): Promise<void> {
    const next = this.chain.then(async () => {
      while (this.pending.length > 0) {
        const batch = this.pending.slice(0, Math.min(this.batchSize, MAX_POINTS_PER_BATCH));
        await this.send(batch);
        this.pending.splice(0, batch.length);
      }
    });
    this.chain = next.catch(() => {});
    return next;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
