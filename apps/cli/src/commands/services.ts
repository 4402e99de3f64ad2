import { Option, type Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt, UsageError } from '../errors.js';
import { addClientOptions, addDatabaseOptions, connectOptions, type ClientFlags, type DatabaseFlags } from './common.js';

interface CoordinatorFlags extends DatabaseFlags {
  host: string;
  port: number;
  token?: string;
  tlsCert?: string;
  tlsKey?: string;
  leaseTtlMs: number;
  heartbeatMs: number;
  metricsPort?: number;
}

interface WorkerFlags extends ClientFlags {
  cacheDir: string;
  workerId?: string;
  maxParams?: number;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  once?: boolean;
  idleExitMs?: number;
  memoryBudget?: number;
  checkpointEvery?: number;
}

export function registerServiceCommands(program: Command): void {
  addDatabaseOptions(
    program
      .command('coordinator')
      .description('run the coordinator (gRPC server; all state in the database)')
      .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
      .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default(50051).argParser((v) => parseNonNegativeInt('--port', v)))
      .addOption(new Option('--token <token>', 'shared token required on every call (prefer the env variable)').env('EQUISCALE_TOKEN'))
      .addOption(new Option('--tls-cert <file>', 'PEM certificate chain; with --tls-key enables TLS'))
      .addOption(new Option('--tls-key <file>', 'PEM private key'))
      .addOption(new Option('--lease-ttl-ms <ms>', 'lease length; a worker silent this long loses its trial').default(30000).argParser((v) => parsePositiveInt('--lease-ttl-ms', v)))
      .addOption(new Option('--heartbeat-ms <ms>', 'heartbeat interval told to workers').default(5000).argParser((v) => parsePositiveInt('--heartbeat-ms', v)))
      .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (same host as gRPC)').argParser((v) => parseNonNegativeInt('--metrics-port', v))),
  ).action(async (o: CoordinatorFlags) => {
    if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together: give both, or neither for plain TCP');
    const { coordinatorMain } = await import('@equiscale/coordinator');
    const { openDatabase } = await import('@equiscale/db');
    const conn = await openDatabase({ url: o.databaseUrl ?? '', dataDir: o.dataDir });
    try {
      process.exitCode = await coordinatorMain({
        db: conn,
        host: o.host,
        port: o.port,
        token: o.token,
        tls: o.tlsCert && o.tlsKey ? { certFile: o.tlsCert, keyFile: o.tlsKey } : undefined,
        leaseTtlMs: o.leaseTtlMs,
        heartbeatIntervalMs: o.heartbeatMs,
        metricsPort: o.metricsPort,
        onListening: (c) =>
          process.stderr.write(
            `equiscale coordinator listening on ${c.address} (${conn.describe})` +
              (c.metricsPort !== undefined ? `; metrics at http://${c.address.replace(/:\d+$/, '')}:${c.metricsPort}/metrics` : '') +
              '\n',
          ),
      });
    } finally {
      await conn.close();
    }
  });

  addClientOptions(
    program
      .command('worker')
      .description('run a worker: claim trials from the coordinator and train them (run one per CPU core, or one per GPU)')
      .addOption(new Option('--cache-dir <dir>', 'dataset cache directory').env('EQUISCALE_CACHE_DIR').default('.equiscale/cache'))
      .addOption(new Option('--worker-id <id>', 'stable worker id (default: a new UUID)'))
      .addOption(new Option('--max-params <n>', 'refuse models with more parameters').argParser((v) => parsePositiveInt('--max-params', v)))
      .addOption(new Option('--backend <backend>', 'TensorFlow.js backend (default: best available)').choices(['tensorflow', 'wasm', 'cpu']).env('EQUISCALE_BACKEND'))
      .addOption(new Option('--memory-budget <bytes>', 'memory one trial may use; larger models are refused (default: total memory / cores)').argParser((v) => parsePositiveInt('--memory-budget', v)))
      .addOption(new Option('--checkpoint-every <steps>', "steps between checkpoints, overriding the sweep's setting (0: only when stopping)").argParser((v) => parseNonNegativeInt('--checkpoint-every', v)))
      .addOption(new Option('--once', 'handle one trial, then exit'))
      .addOption(new Option('--idle-exit-ms <ms>', 'exit after this long with no pending trial').argParser((v) => parseNonNegativeInt('--idle-exit-ms', v))),
  ).action(async (o: WorkerFlags) => {
    const { workerMain } = await import('@equiscale/worker');
    process.exitCode = await workerMain({
      ...connectOptions(o),
      coordinator: o.coordinator,
      cacheDir: o.cacheDir,
      workerId: o.workerId,
      maxParamCount: o.maxParams,
      memoryBudgetBytes: o.memoryBudget,
      checkpointEvery: o.checkpointEvery,
      backend: o.backend,
      once: o.once,
      idleExitMs: o.idleExitMs,
    });
  });
}
