/**
 * The coordinator as its own process, as production runs it: `equiscale coordinator` (the real CLI) on a Postgres
 * URL, so a test can SIGKILL it (no graceful stop, calls in flight cut) and start a new one on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'apps/cli/bin/equiscale.mjs');

export interface CoordinatorProcess {
  child: ChildProcess;
  address: string;
  port: number;
  /** everything it wrote on stderr (JSON log lines and the "listening on" line) */
  output: string[];
  exited: Promise<number | null>;
  /** resident set size in bytes, from /proc (Linux) */
  rssBytes(): number;
}

/**
 * Starts `equiscale coordinator --port PORT` (0: any free port) with DATABASE_URL = dbUrl; resolves once it listens.
 * A port just freed by a killed coordinator is retried a few times (bounded).
 */
export async function spawnCoordinator(dbUrl: string, opts: { port?: number; flags?: string[]; env?: Record<string, string> } = {}): Promise<CoordinatorProcess> {
  let lastErr: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await spawnOnce(dbUrl, opts);
    } catch (err) {
      lastErr = err as Error;
      await sleep(500);
    }
  }
  throw lastErr!;
}

async function spawnOnce(dbUrl: string, opts: { port?: number; flags?: string[]; env?: Record<string, string> }): Promise<CoordinatorProcess> {
  const child = spawn(process.execPath, [BIN, 'coordinator', '--port', String(opts.port ?? 0), ...(opts.flags ?? [])], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: dbUrl, EQUISCALE_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.setEncoding('utf8');
  const address = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the coordinator did not listen within 60 s:\n${output.join('')}`));
    }, 60_000);
    child.stderr!.on('data', (chunk: string) => {
      output.push(chunk);
      buf += chunk;
      const m = /listening on (\S+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the coordinator exited (${code}) before listening:\n${output.join('').slice(-2000)}`));
    });
  });
  const port = Number(address.split(':').at(-1));
  return {
    child,
    address,
    port,
    output,
    exited,
    rssBytes() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : NaN;
    },
  };
}

/** SIGKILL: no signal handler runs, no call finishes, no connection is closed politely. */
export async function crash(c: CoordinatorProcess): Promise<void> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await c.exited;
}
