import { Option, type Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt, UsageError } from '../errors.js';
import { addDatabaseOptions, openDb, type DatabaseFlags } from './common.js';

interface DashboardFlags extends DatabaseFlags {
  host: string;
  port: number;
  token?: string;
  reports: string[];
  refitSeconds: number;
  bootstrap: number;
}

export function registerDashboardCommand(program: Command): void {
  addDatabaseOptions(
    program
      .command('dashboard')
      .description('serve a live web page of every sweep in the database: progress, fitted frontiers, learning curves, trials')
      .addOption(new Option('--host <host>', 'address to listen on (beyond loopback the token is required)').default('127.0.0.1'))
      .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default(8080).argParser((v) => parseNonNegativeInt('--port', v)))
      .addOption(new Option('--token <token>', 'token the page requires when bound beyond loopback (prefer the env variable)').env('EQUISCALE_TOKEN'))
      .addOption(new Option('--reports <dirs...>', 'folders holding reports written by `plot`/`demo`, linked per sweep').default(['equiscale-out']))
      .addOption(new Option('--refit-seconds <s>', 'refit a sweep at most this often while results arrive').default(5).argParser((v) => parsePositiveInt('--refit-seconds', v)))
      .addOption(new Option('--bootstrap <n>', 'bootstrap resamples for the frontier bands (0: none)').default(100).argParser((v) => parseNonNegativeInt('--bootstrap', v))),
  ).action(async (o: DashboardFlags) => {
    const { startDashboard, isLoopback } = await import('../dashboard/index.js');
    if (!isLoopback(o.host) && !o.token) {
      throw new UsageError(`--host ${o.host}: beyond loopback the dashboard requires a token; set EQUISCALE_TOKEN (or bind to 127.0.0.1)`);
    }
    const conn = await openDb(o);
    let d;
    try {
      d = await startDashboard({
        conn,
        host: o.host,
        port: o.port,
        token: o.token,
        reportDirs: o.reports,
        refitMs: o.refitSeconds * 1000,
        bootstrap: o.bootstrap,
        log: (line) => process.stderr.write(`${line}\n`),
      });
    } catch (err) {
      await conn.close();
      if (/cannot listen/.test((err as Error).message)) throw new UsageError((err as Error).message);
      throw err;
    }
    process.stderr.write(`equiscale dashboard on ${d.url} (${conn.describe})${isLoopback(o.host) ? '' : '; open it once with ?token=<EQUISCALE_TOKEN>'}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await d.close();
    await conn.close();
  });
}
