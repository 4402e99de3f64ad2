/**
 * Keeps one fit per sweep current: refits a sweep when its set of finished runs changed, at most once every
 * `minIntervalMs` per sweep, one fit at a time, in a worker thread (fit-thread.ts). The latest data wins: a sweep
 * that changes during its fit is refitted once after.
 *
 * Why a thread: the Approach-3 grid (4500 starts per family) took 3.3 s for 27 runs in 3 families here (2 cores
 * under load; the 100 warm-started bootstrap refits add little), which in the main thread would stall every
 * page request and event stream for that long.
 */
import { Worker } from 'node:worker_threads';
import type { TrialRecord } from '@equiscale/sweeps';
import type { FitView } from './fit.js';

export interface FitState {
  view?: FitView;
  error?: string;
  /** a refit is queued or running */
  pending: boolean;
}

export interface Fitter {
  /** Offers a sweep's current trials; schedules a refit when its finished runs changed. */
  offer(sweep: string, trials: readonly TrialRecord[]): void;
  get(sweep: string): FitState | undefined;
  close(): Promise<void>;
}

/** What a fit depends on: the finished runs and their test losses. */
function fingerprint(trials: readonly TrialRecord[]): string {
  return trials
    .filter((t) => t.status === 'completed')
    .map((t) => `${t.id}:${t.testLoss}`)
    .join(',');
}

function startThread(): Worker {
  const url = new URL('./fit-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  // worker threads do not inherit tsx's loader: register it there first, then load the TypeScript entry
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, { eval: true });
}

export function createFitter(opts: { bootstrap: number; minIntervalMs: number; onFit(sweep: string, state: FitState): void; onError?(err: Error): void }): Fitter {
  const states = new Map<string, FitState & { fingerprint?: string; lastStart: number; latest?: readonly TrialRecord[]; latestFp?: string }>();
  const queue: string[] = [];
  let busy = false;
  let closed = false;
  let nextId = 1;
  let thread: Worker | undefined;
  const waiting = new Map<number, (r: { view?: FitView; error?: string }) => void>();
  const timers = new Set<NodeJS.Timeout>();

  const worker = () => {
    if (thread) return thread;
    thread = startThread();
    thread.on('message', (m: { id: number; view?: FitView; error?: string }) => {
      waiting.get(m.id)?.(m);
      waiting.delete(m.id);
    });
    thread.on('error', (err) => {
      opts.onError?.(err);
      for (const done of waiting.values()) done({ error: `fit thread failed: ${err.message}` });
      waiting.clear();
      thread = undefined;
    });
    thread.unref();
    return thread;
  };

  const pump = () => {
    if (busy || closed) return;
    const sweep = queue.shift();
    if (sweep === undefined) return;
    const st = states.get(sweep)!;
    const wait = st.lastStart + opts.minIntervalMs - Date.now();
    if (wait > 0) {
      // too soon for this sweep: come back later (other sweeps may go first)
      const t = setTimeout(() => {
        timers.delete(t);
        queue.push(sweep);
        pump();
      }, wait);
      timers.add(t);
      pump();
      return;
    }
    busy = true;
    st.lastStart = Date.now();
    const trials = st.latest!;
    const fp = st.latestFp!;
    const id = nextId++;
    new Promise<{ view?: FitView; error?: string }>((resolve) => {
      waiting.set(id, resolve);
      worker().postMessage({ id, trials, bootstrap: opts.bootstrap, title: `${sweep}: test loss vs training compute` });
    }).then((r) => {
      busy = false;
      if (closed) return;
      st.fingerprint = fp;
      if (r.view) {
        st.view = r.view;
        st.error = undefined;
      } else st.error = r.error;
      st.pending = st.latestFp !== fp;
      if (st.pending) queue.push(sweep);
      opts.onFit(sweep, { view: st.view, error: st.error, pending: st.pending });
      pump();
    });
  };

  return {
    offer(sweep, trials) {
      if (closed) return;
      const fp = fingerprint(trials);
      let st = states.get(sweep);
      if (!st) states.set(sweep, (st = { pending: false, lastStart: 0 }));
      st.latest = trials;
      st.latestFp = fp;
      if (st.fingerprint === fp || st.pending) return;
      st.pending = true;
      queue.push(sweep);
      pump();
    },
    get(sweep) {
      const st = states.get(sweep);
      return st && { view: st.view, error: st.error, pending: st.pending };
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const done of waiting.values()) done({ error: 'dashboard stopping' });
      waiting.clear();
      await thread?.terminate();
      thread = undefined;
    },
  };
}
