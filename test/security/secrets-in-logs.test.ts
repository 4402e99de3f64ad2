/**
 * Database credentials and tokens never reach a log line or a message: a full small sweep through the real
 * commands (`equiscale coordinator`, `equiscale sweep launch/status/cancel`, `equiscale worker`,
 * `equiscale fit --sweep`), with a shared token and a DATABASE_URL carrying the password of a Postgres role
 * made for this test, plus the failure paths that are most tempted to print them (a worker with a wrong token,
 * a CLI pointed at a database that does not exist, a coordinator whose DATABASE_URL is unreachable). Every
 * byte those processes write to stdout and stderr is captured and searched for the token and the password.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from '@equiscale/db/testing';
import { CACHE_DIR, ROOT, tinySpec, waitFor, warmDatasetCache } from '../sweeps/helpers.js';

const BIN = join(ROOT, 'apps/cli/bin/equiscale.mjs');
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const WRONG_TOKEN = `wrong-${randomBytes(12).toString('hex')}`;
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const ROLE = `equiscale_sec_${randomBytes(4).toString('hex')}`;

interface Proc {
  name: string;
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

async function admin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_SERVER_URL });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

describe('no token or database password in any log line', () => {
  let tdb: TestDatabase;
  let url: string;
  const procs: Proc[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-secrets-'));
  const spec = tinySpec({ name: 'secrets', families: ['transformer'], seeds: [0, 1] });

  const run = (name: string, args: string[], env: Record<string, string> = {}): Proc => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, EQUISCALE_LOG_LEVEL: 'debug', EQUISCALE_BACKEND: 'cpu', DATABASE_URL: '', EQUISCALE_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p: Proc = { name, child, out: [], exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => p.out.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => p.out.push(d));
    procs.push(p);
    return p;
  };
  const finish = async (p: Proc, timeoutMs = 120_000) => {
    const guard = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
    const code = await p.exited;
    clearTimeout(guard);
    return code;
  };

  before(async () => {
    await warmDatasetCache(spec);
    tdb = await createTestDatabase('equiscale_sec');
    await admin(`create role ${ROLE} login password '${PASSWORD}'`);
    await admin(`alter database ${tdb.name} owner to ${ROLE}`);
    const u = new URL(tdb.url);
    u.username = ROLE;
    u.password = PASSWORD;
    url = u.toString();
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  });
  after(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await tdb?.drop();
    await admin(`drop role if exists ${ROLE}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a full sweep through the CLI, and its failure paths, never print the token or the password', async () => {
    const coord = run('coordinator', ['coordinator', '--port', '0', '--lease-ttl-ms', '10000', '--heartbeat-ms', '1000'], { DATABASE_URL: url, EQUISCALE_TOKEN: TOKEN });
    const address = await waitFor('the coordinator address', () => /listening on (\S+)/.exec(coord.out.join(''))?.[1], 60_000, 100);
    const client = { EQUISCALE_TOKEN: TOKEN };
    const co = ['--coordinator', address];

    assert.equal(await finish(run('launch', ['sweep', 'launch', 'spec.json', ...co], client)), 0, 'sweep launch');
    const intruder = run('worker-wrong-token', ['worker', ...co, '--cache-dir', CACHE_DIR, '--once'], { EQUISCALE_TOKEN: WRONG_TOKEN });
    assert.notEqual(await finish(intruder), 0, 'a worker with a wrong token is refused');
    const worker = run('worker', ['worker', ...co, '--cache-dir', CACHE_DIR, '--idle-exit-ms', '1000'], client);
    assert.equal(await finish(worker), 0, 'the worker ran the sweep and exited');
    assert.equal(await finish(run('status', ['sweep', 'status', 'secrets', '--trials', ...co], client)), 0);
    assert.equal(await finish(run('status-json', ['sweep', 'status', 'secrets', '--json', ...co], client)), 0);
    // two finished runs are too few to fit 5 parameters: one line naming the problem, exit 2 (the success path of
    // `fit --sweep` is test/cli/cli-success.test.ts)
    const fit = run('fit', ['fit', '--sweep', 'secrets'], { DATABASE_URL: url });
    assert.equal(await finish(fit), 2, `fit --sweep on 2 runs exits 2:\n${fit.out.join('')}`);
    assert.match(fit.out.join(''), /at least 5 runs/);
    assert.equal(await finish(run('cancel', ['sweep', 'cancel', 'secrets', ...co], client)), 0);
    const noToken = run('status-no-token', ['sweep', 'status', 'secrets', ...co]);
    assert.equal(await finish(noToken), 2, 'a client without the token is refused');

    // failure paths that handle the URL: a database that does not exist, a server that does not listen
    const badDb = new URL(url);
    badDb.pathname = '/equiscale_no_such_db';
    assert.equal(await finish(run('fit-bad-db', ['fit', '--sweep', 'secrets'], { DATABASE_URL: badDb.toString() })), 2);
    const noServer = new URL(url);
    noServer.port = '1';
    assert.notEqual(await finish(run('coordinator-bad-db', ['coordinator', '--port', '0'], { DATABASE_URL: noServer.toString(), EQUISCALE_TOKEN: TOKEN })), 0);

    coord.child.kill('SIGTERM');
    assert.equal(await finish(coord, 30_000), 0, 'the coordinator stops cleanly');

    const all = procs.map((p) => `--- ${p.name}\n${p.out.join('')}`).join('\n');
    // the capture is real: it holds the work that was done and the refusals
    assert.match(all, /trial completed/);
    assert.match(all, /UNAUTHENTICATED|credentials/);
    assert.match(all, /equiscale_no_such_db/, 'the bad database is named (without its password)');
    assert.ok(all.includes(`${ROLE}:***@`), 'database URLs are printed, with the password replaced');
    for (const [what, secret] of [['token', TOKEN], ['wrong token', WRONG_TOKEN], ['password', PASSWORD]] as const) {
      for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
        const at = all.indexOf(form);
        assert.equal(at, -1, `the ${what} appears in the output: …${all.slice(Math.max(0, at - 200), at + 50)}`);
      }
    }
    assert.ok(all.split('\n').length > 20, 'many lines were searched');
  });
});
