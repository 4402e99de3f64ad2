/** TLS: a worker that trusts the coordinator's CA talks to it over TLS; a plaintext client cannot. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { callMetadata, makeAdminClient, unary } from '@equiscale/contract';
import { createSleepTrainer, runWorker, silentLogger as quiet, type TrialReport } from '@equiscale/worker';
import { CACHE_DIR, grpcError, startStack, tinySpec, type Stack } from './helpers.js';

describe('TLS between worker and coordinator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  let s: Stack;
  before(async () => {
    // a self-signed certificate for "localhost" that is its own CA
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
    ], { stdio: 'ignore' });
    s = await startStack({ tls: { certFile: cert, keyFile: key }, token: 'tls-token' });
  });
  after(async () => {
    // the stack's plaintext clients were never used for calls
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a worker that trusts the CA, and refuses plaintext', async () => {
    const admin = makeAdminClient(s.coordinator.address, { tlsCaFile: cert, tlsServerName: 'localhost', token: 'tls-token' });
    const md = callMetadata({ token: 'tls-token' });
    await unary(admin, admin.createSweep as any, { specText: JSON.stringify(tinySpec({ name: 'tls', families: ['transformer'], seeds: [0] })), format: 'json', extend: false }, md);
    const reports: TrialReport[] = [];
    await runWorker({
      coordinator: s.coordinator.address,
      tlsCaFile: cert,
      tlsServerName: 'localhost',
      token: 'tls-token',
      cacheDir: CACHE_DIR,
      trainer: createSleepTrainer(),
      logger: quiet,
      once: true,
      onTrialEnd: (r) => reports.push(r),
    });
    assert.deepEqual(reports.map((r) => r.result), ['completed']);
    await assert.rejects(unary(s.admin, s.admin.listSweeps as any, {}, md, 3_000), grpcError(status.UNAVAILABLE));
    admin.close();
  });
});
