// Helper of dispatch.bench.ts: a coordinator in its own process (as in production), on BENCH_DATABASE_URL.
// Prints its address on stdout; stops on SIGTERM. On SIGUSR2 it prints one JSON line of the server-side handler
// times (ms, measured inside the coordinator by the middleware) per method since the last SIGUSR2:
// { "WorkerService/ClaimTrial": { "n", "p50", "p99" }, … }, then starts afresh.
import { coordinatorMain, silentLogger } from '../src/index.js';

const times = new Map<string, number[]>();
const q = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
process.on('SIGUSR2', () => {
  const out: Record<string, { n: number; p50: number; p99: number }> = {};
  for (const [m, t] of times) {
    t.sort((a, b) => a - b);
    out[m] = { n: t.length, p50: q(t, 0.5), p99: q(t, 0.99) };
  }
  times.clear();
  process.stdout.write(`${JSON.stringify(out)}\n`);
});

const code = await coordinatorMain({
  db: process.env.BENCH_DATABASE_URL!,
  token: process.env.BENCH_TOKEN,
  idleRetryMs: 100,
  poolSize: Number(process.env.BENCH_POOL ?? 20),
  logger: silentLogger,
  onCall: (method, ms) => {
    let t = times.get(method);
    if (!t) times.set(method, (t = []));
    t.push(ms);
  },
  onListening: (c) => process.stdout.write(`${c.address}\n`),
});
process.exit(code);
