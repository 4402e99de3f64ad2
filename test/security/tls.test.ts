/**
 * TLS, with a self-signed certificate made here by openssl (skipped with a message when openssl is missing).
 * test/sweeps/tls.test.ts already runs an in-process worker with the sleep trainer over TLS; this one runs the
 * product path: a real `equiscale worker` PROCESS with --tls-ca trains a real trial over TLS, and
 *   - a plaintext client is refused (UNAVAILABLE: no TLS handshake),
 *   - a client that trusts a different CA is refused (UNAVAILABLE: the certificate does not verify),
 *   - TLS alone is not enough: a client with the right CA but no token gets UNAUTHENTICATED,
 * and none of these refused calls writes anything.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { callMetadata, makeAdminClient, unary } from '@equiscale/contract';
import { CACHE_DIR, ROOT, startStack, tinySpec, warmDatasetCache, type Stack } from '../sweeps/helpers.js';
import { dbState } from '../fuzz/db-state.js';

const TOKEN = 'tls-sec-token';
const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasOpenssl) console.log('security/tls: skipped, openssl is not installed');

function makeCert(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
    { stdio: 'ignore' },
  );
  assert.equal(r.status, 0, 'openssl made a certificate');
  return { cert, key };
}

describe('TLS between workers, clients and the coordinator', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-sec-tls-'));
  let s: Stack;
  let server: { cert: string; key: string };
  let other: { cert: string; key: string };
  const spec = tinySpec({ name: 'tls', families: ['transformer'], seeds: [0] });
  before(async () => {
    server = makeCert(dir, 'server');
    other = makeCert(dir, 'other');
    await warmDatasetCache(spec);
    s = await startStack({ tls: { certFile: server.cert, keyFile: server.key }, token: TOKEN });
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const listSweeps = (opts: { tlsCaFile?: string; token?: string }) => {
    const c = makeAdminClient(s.coordinator.address, { ...opts, tlsServerName: 'localhost' });
    return unary<any, { sweeps: unknown[] }>(c, c.listSweeps, {}, opts.token ? callMetadata({ token: opts.token }) : new Metadata(), 5_000).then(
      (r) => {
        c.close();
        return { code: status.OK, r };
      },
      (e: ServiceError) => {
        c.close();
        return { code: e.code, details: e.details };
      },
    );
  };

  it('refuses plaintext, an untrusted certificate, and TLS without the token, writing nothing', async () => {
    const before = await dbState(s.conn.db);
    assert.equal((await listSweeps({ token: TOKEN })).code, status.UNAVAILABLE, 'plaintext');
    assert.equal((await listSweeps({ tlsCaFile: other.cert, token: TOKEN })).code, status.UNAVAILABLE, 'a client trusting another CA');
    assert.equal((await listSweeps({ tlsCaFile: server.cert })).code, status.UNAUTHENTICATED, 'TLS without the token');
    assert.equal((await listSweeps({ tlsCaFile: server.cert, token: TOKEN })).code, status.OK, 'TLS with the token');
    assert.deepEqual(await dbState(s.conn.db), before);
  });

  it('a real worker process connects over TLS with the CA file and trains a trial', async () => {
    const admin = makeAdminClient(s.coordinator.address, { tlsCaFile: server.cert, tlsServerName: 'localhost' });
    await unary(admin, admin.createSweep as any, { specText: JSON.stringify(spec), format: 'json', extend: false }, callMetadata({ token: TOKEN }));
    admin.close();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'apps/cli/bin/equiscale.mjs'), 'worker', '--coordinator', s.coordinator.address, '--tls-ca', server.cert, '--tls-server-name', 'localhost', '--cache-dir', CACHE_DIR, '--once'],
      { cwd: ROOT, env: { ...process.env, EQUISCALE_TOKEN: TOKEN, EQUISCALE_BACKEND: 'cpu' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(guard);
    assert.equal(code, 0, err.slice(-2000));
    const t = await s.conn.db.selectFrom('trials').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([t.status, t.attempt, t.backend], ['completed', 1, 'cpu'], t.error ?? '');
    assert.ok(Number.isFinite(t.test_loss));
  });
});
