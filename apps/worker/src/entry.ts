/**
 * A plain process entry for a worker (tests and development; the product entry is `equiscale worker`):
 *   node --import tsx apps/worker/src/entry.ts --coordinator HOST:PORT --cache-dir DIR
 *     [--token T] [--worker-id ID] [--once] [--idle-exit-ms MS] [--max-params N] [--backend cpu|wasm|tensorflow]
 *     [--trainer model|sleep] [--ms-per-step MS] [--checkpoint-every N]
 * The token may also come from EQUISCALE_TOKEN.
 */
import { parseArgs } from 'node:util';
import { workerMain } from './main.js';
import { createSleepTrainer } from './sleep-trainer.js';
import type { BackendPreference } from './worker.js';

const { values: v } = parseArgs({
  options: {
    coordinator: { type: 'string' },
    'cache-dir': { type: 'string' },
    token: { type: 'string' },
    'worker-id': { type: 'string' },
    once: { type: 'boolean' },
    'idle-exit-ms': { type: 'string' },
    'max-params': { type: 'string' },
    backend: { type: 'string' },
    trainer: { type: 'string' },
    'ms-per-step': { type: 'string' },
    'checkpoint-every': { type: 'string' },
  },
});
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const trainer =
  v.trainer === 'sleep'
    ? createSleepTrainer({ msPerStep: num(v['ms-per-step']) ?? 0 })
    : undefined;
const code = await workerMain({
  coordinator: v.coordinator ?? '',
  cacheDir: v['cache-dir'] ?? '.equiscale/cache',
  token: v.token ?? process.env.EQUISCALE_TOKEN,
  workerId: v['worker-id'],
  once: v.once,
  idleExitMs: num(v['idle-exit-ms']),
  maxParamCount: num(v['max-params']),
  checkpointEvery: num(v['checkpoint-every']),
  backend: v.backend as BackendPreference | undefined,
  trainer,
});
process.exit(code);
