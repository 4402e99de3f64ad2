/**
 * 50 real worker loops (runWorker, in this process, 1-step sleep trainer: register, claim, ReportMetrics,
 * CompleteTrial, heartbeats) against a coordinator in its own process (the `equiscale coordinator` command on
 * 127.0.0.1, token auth on) and a fresh database of the Postgres at TEST_DATABASE_URL: trials/s end to end.
 * Prints, asserts nothing. Imports only what the worker may import (libs); the coordinator is a process.
 * The raw gRPC dispatch (ClaimTrial → CompleteTrial without a worker loop) is apps/coordinator/bench/dispatch.bench.ts.
 *
 * Measured before this bench moved here from dispatch.bench.ts (same scenario, 2 cores shared, load 3.5-5):
 * 502-741 trials/s with the current queue code; 310-468/s with the previous one.
 */
import { spawn } from 'node:child_process';
import { createSweep } from '@equiscale/db';
import { openTestDatabase, syntheticTrialRows } from '@equiscale/db/testing';
import { createSleepTrainer, runWorker, silentLogger } from '../src/index.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 2000);
const WORKERS = 50;
const TOKEN = 'bench-token';
const BIN = new URL('../../cli/bin/equiscale.mjs', import.meta.url).pathname;

const conn = await openTestDatabase();
const server = spawn(process.execPath, [BIN, 'coordinator', '--host', '127.0.0.1', '--port', '0'], {
  env: { ...process.env, DATABASE_URL: conn.url, EQUISCALE_TOKEN: TOKEN },
  stdio: ['ignore', 'ignore', 'pipe'],
});
try {
  const address = await new Promise<string>((resolve, reject) => {
    let err = '';
    server.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /listening on (\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`coordinator exited (${code}): ${err}`)));
  });
  await createSweep(conn.db, { name: 'loops', spec: {}, specHash: 'l', maxAttempts: 3, trials: syntheticTrialRows(TRIALS, 'l'), extend: false });
  let finished = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, () =>
      runWorker({
        coordinator: address, token: TOKEN, cacheDir: '/tmp', trainer: createSleepTrainer(), logger: silentLogger,
        idleExitMs: 1, metricFlushMs: 0, onTrialEnd: () => void finished++,
      }),
    ),
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(`runWorker loops (sleep trainer, 1 step), ${WORKERS} workers ${(finished / secs).toFixed(0).padStart(6)} trials/s   (n=${finished}, incl. register and idle exit)`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await conn.close();
}
