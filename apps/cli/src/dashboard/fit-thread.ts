/**
 * Worker-thread entry of the dashboard's fitter: a grid fit takes about a second per family, which must not
 * stall the HTTP server and its event streams. Receives { id, trials, bootstrap, title }, answers { id, view } or
 * { id, error }.
 */
import { parentPort } from 'node:worker_threads';
import type { TrialRecord } from '@equiscale/sweeps';
import { fitSweep } from './fit.js';

interface FitRequest {
  id: number;
  trials: TrialRecord[];
  bootstrap: number;
  title?: string;
}

parentPort!.on('message', (req: FitRequest) => {
  fitSweep(req.trials, { bootstrap: req.bootstrap, title: req.title }).then(
    (view) => parentPort!.postMessage({ id: req.id, view }),
    (err: unknown) => parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
