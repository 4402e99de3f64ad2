// Helper of dispatch.bench.ts: a coordinator in its own process (as in production), on BENCH_DATABASE_URL.
// Prints its address on stdout; stops on SIGTERM.
import { coordinatorMain, silentLogger } from '../src/index.js';

const code = await coordinatorMain({
  db: process.env.BENCH_DATABASE_URL!,
  token: process.env.BENCH_TOKEN,
  idleRetryMs: 100,
  poolSize: Number(process.env.BENCH_POOL ?? 20),
  logger: silentLogger,
  onListening: (c) => process.stdout.write(`${c.address}\n`),
});
process.exit(code);
