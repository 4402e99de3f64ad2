/**
 * Shared setup of the distributed-sweep tests: a fresh Postgres database, a real coordinator on 127.0.0.1:0,
 * real gRPC clients, and workers as real child processes (so a test can SIGKILL them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { callMetadata, makeAdminClient, makeWorkerClient, unary, type AdminServiceClient, type WorkerServiceClient } from '@equiscale/contract';
import { silentLogger, startCoordinator, type CoordinatorOptions, type RunningCoordinator } from '@equiscale/coordinator';
import type { EquiscaleDb } from '@equiscale/db';
import { openTestDatabase, type TestDriver } from '@equiscale/db/testing';
import { loadDataset } from '@equiscale/rigid-body';
import { planSweep, rigidBodyBenchmark } from '@equiscale/sweeps';

export const ROOT = new URL('../../', import.meta.url).pathname;
const ENTRY = join(ROOT, 'apps/worker/src/entry.ts');

/** One cache directory for the whole test process: the tiny dataset is generated once. */
export const CACHE_DIR = mkdtempSync(join(tmpdir(), 'equiscale-e2e-cache-'));
process.on('exit', () => rmSync(CACHE_DIR, { recursive: true, force: true }));

/** The benchmark of every e2e spec: 3 bodies, short scenes, 8 val / 8 test examples. */
export const TINY_BENCHMARK = {
  bodiesMin: 3,
  bodiesMax: 3,
  maxBodies: 3,
  framesPerScene: 20,
  examplesPerScene: 4,
  valExamples: 8,
  testExamples: 8,
};

/** A tiny real sweep: transformer (with and without augmentation), width 8, one block. */
export function tinySpec(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    benchmark: TINY_BENCHMARK,
    families: ['transformer', 'transformer+augment'],
    modelSizes: [{ label: 'xs', dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 2 } } }],
    steps: [6],
    trainSizes: [16],
    seeds: [0, 1, 2],
    training: { batchSize: 4 },
    eval: { every: 0, examples: 8 },
    checkpointEvery: 2,
    ...over,
  };
}

/** Generates (or finds) the tiny dataset in CACHE_DIR, so workers only read it. */
export async function warmDatasetCache(spec: Record<string, unknown> = tinySpec()): Promise<void> {
  const plan = planSweep(spec);
  const largest = plan.cells.reduce((a, c) => (c.trainSize > a.trainSize ? c : a));
  await loadDataset(rigidBodyBenchmark(plan.spec.benchmark), { trainSize: largest.trainSize, cacheDir: CACHE_DIR });
}

export interface Stack {
  conn: EquiscaleDb & { url: string };
  coordinator: RunningCoordinator;
  admin: AdminServiceClient;
  worker: WorkerServiceClient;
  md: Metadata;
  token?: string;
  /** stops the coordinator (if still running), closes clients, drops the database */
  close(): Promise<void>;
}

/** A coordinator on a fresh database: the Postgres server by default, or the given driver's (e.g. PGlite). */
export async function startStack(opts: Partial<Omit<CoordinatorOptions, 'db'>> = {}, driver?: TestDriver): Promise<Stack> {
  const conn = driver ? { ...(await driver.open()), url: '' } : await openTestDatabase();
  const coordinator = await startCoordinator({ db: conn, logger: silentLogger, ...opts });
  const admin = makeAdminClient(coordinator.address);
  const worker = makeWorkerClient(coordinator.address);
  const stack: Stack = {
    conn,
    coordinator,
    admin,
    worker,
    token: opts.token,
    md: callMetadata({ token: opts.token }),
    async close() {
      admin.close();
      worker.close();
      await stack.coordinator.stop();
      await conn.close();
    },
  };
  return stack;
}

export function adminCall<Req, Res>(s: Stack, method: (...a: any[]) => any, req: Req, md = s.md): Promise<Res> {
  return unary<Req, Res>(s.admin, method as any, req, md);
}

export async function launch(s: Stack, spec: Record<string, unknown>, extend = false) {
  return unary(s.admin, s.admin.createSweep, { specText: JSON.stringify(spec), format: 'json', extend }, s.md);
}

export interface WorkerProcess {
  child: ChildProcess;
  /** stderr lines parsed as JSON log objects */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Spawns `node --import tsx apps/worker/src/entry.ts` with the given flags, on the cpu backend (deterministic). */
export function spawnWorker(address: string, flags: string[] = [], env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--coordinator', address, '--cache-dir', CACHE_DIR, ...flags], {
    cwd: ROOT,
    env: { ...process.env, EQUISCALE_BACKEND: 'cpu', EQUISCALE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, logs, exited };
}

/** Polls `f` until it returns a truthy value; fails with `what` after timeoutMs. */
export async function waitFor<T>(what: string, f: () => Promise<T> | T, timeoutMs = 60_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Rejection predicate for assert.rejects: a gRPC error with this code whose details match. */
export function grpcError(code: number, details?: RegExp) {
  return (err: unknown) => {
    const e = err as ServiceError;
    if (e.code !== code) throw new Error(`expected gRPC code ${code}, got ${e.code}: ${e.details ?? (err as Error).message}`);
    if (details && !details.test(e.details)) throw new Error(`details ${JSON.stringify(e.details)} do not match ${details}`);
    return true;
  };
}

export async function killAll(ws: WorkerProcess[]): Promise<void> {
  for (const w of ws) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(ws.map((w) => w.exited));
}
