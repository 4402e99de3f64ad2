/**
 * Soak: BENCH_SOAK_TRIALS (default 20,000) no-op trials through the real gRPC coordinator (its own process,
 * bench/serve.ts, on a fresh database of the Postgres at TEST_DATABASE_URL) with 50 concurrent simulated workers
 * (ClaimTrial → CompleteTrial). Prints trials/s and the coordinator's resident memory (VmRSS from /proc) after the
 * warm-up, every 5,000 trials, and at the end. Asserts nothing; test/soak/soak.test.ts checks the same run's
 * invariants (every trial once, no lease held) and a generous RSS bound.
 *
 * Measured (2 cores shared with ~8 other jobs, load ~25): see the commit that added this file; the numbers it
 * prints are the ones to quote.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { callMetadata, makeWorkerClient, unary, type ClaimTrialResponse } from '@equiscale/contract';
import { createSweep } from '@equiscale/db';
import { openTestDatabase, syntheticTrialRows } from '@equiscale/db/testing';

const TRIALS = Number(process.env.BENCH_SOAK_TRIALS ?? 20_000);
const WORKERS = 50;
const TOKEN = 'soak-token';

const conn = await openTestDatabase();
const server = spawn(process.execPath, ['--import', 'tsx', new URL('./serve.ts', import.meta.url).pathname], {
  env: { ...process.env, BENCH_DATABASE_URL: conn.url, BENCH_TOKEN: TOKEN },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const address = await new Promise<string>((resolve, reject) => {
  let buf = '';
  server.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const i = buf.indexOf('\n');
    if (i >= 0) resolve(buf.slice(0, i));
  });
  server.once('exit', (code) => reject(new Error(`coordinator exited (${code})`)));
});
const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const md = callMetadata({ token: TOKEN });
try {
  const clients = Array.from({ length: WORKERS }, () => makeWorkerClient(address, { token: TOKEN }));
  for (let round = 0; round < 3; round++) {
    await Promise.all(clients.map((c, w) => unary<unknown, ClaimTrialResponse>(c, c.claimTrial as any, { workerId: `s${w}`, maxParamCount: 0 }, md)));
  }
  const rows = syntheticTrialRows(TRIALS, 'soak');
  await createSweep(conn.db, { name: 'soak', spec: {}, specHash: 'soak', maxAttempts: 3, trials: rows, extend: false });
  const marks: string[] = [];
  const start = rss();
  let peak = start;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, w) => {
      for (;;) {
        const r = await unary<unknown, ClaimTrialResponse>(c, c.claimTrial as any, { workerId: `s${w}`, maxParamCount: 0 }, md);
        if (!r.trial) return;
        await unary(c, c.completeTrial, {
          trialId: r.trial.trialId, leaseToken: r.trial.leaseToken, outcome: 'completed', steps: 1, trainLoss: 1, valLoss: 1, testLoss: 1,
          backend: 'none', wallTimeS: 0, error: '', paramCount: 1000, executedFlops: 0,
        }, md);
        done++;
        if (done % 1000 === 0) peak = Math.max(peak, rss());
        if (done % 5000 === 0) marks.push(`${done}: ${rss().toFixed(1)} MiB`);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const end = rss();
  console.log(`soak: ${done} no-op trials, ${WORKERS} concurrent gRPC workers: ${(done / secs).toFixed(0)} trials/s (${secs.toFixed(1)} s)`);
  console.log(`  coordinator RSS after warm-up ${start.toFixed(1)} MiB; ${marks.map((m) => `${m}; `).join('')}end ${end.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB, growth ${(end - start).toFixed(1)} MiB`);
  for (const c of clients) c.close();
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await conn.close();
}
