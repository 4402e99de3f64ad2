import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { brokenLink, launcherChain, wrapperKind } from './launcher-watch.js';

const childrenOf = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

describe('launcher watch', () => {
  it('knows the wrappers npm and a command-string shell, and nothing else', () => {
    assert.equal(wrapperKind(['npm exec equiscale worker --coordinator h:1']), 'npm'); // npm's rewritten title
    assert.equal(wrapperKind(['/usr/bin/node', '/usr/lib/node_modules/npm/bin/npx-cli.js', 'equiscale']), 'npm');
    assert.equal(wrapperKind(['sh', '-c', "'equiscale' worker"]), 'shell');
    assert.equal(wrapperKind(['/bin/bash', '-ec', 'npx equiscale worker']), 'shell');
    assert.equal(wrapperKind(['-bash']), null, 'an interactive login shell');
    assert.equal(wrapperKind(['bash', '/var/spool/slurm/job1/slurm_script']), null, 'a shell running a script file');
    assert.equal(wrapperKind(['node', '/app/node_modules/.bin/equiscale', 'demo']), null);
    assert.equal(wrapperKind([]), null);
  });

  it('records a real `sh -c` parent and notices when it is killed', async () => {
    const sh = spawn('sh', ['-c', 'sleep 30; exit 0'], { stdio: 'ignore' });
    let sleeper = 0;
    try {
      for (let i = 0; i < 100 && !sleeper; i++) {
        sleeper = childrenOf(sh.pid!)[0] ?? 0;
        if (!sleeper) await sleep(20);
      }
      assert.ok(sleeper > 0, 'sh started sleep');
      const chain = launcherChain(sleeper);
      assert.deepEqual(chain.map((l) => l.pid), [sleeper, sh.pid], 'sleep ← sh -c; this test process is not a wrapper');
      assert.equal(brokenLink(chain), null);
      sh.kill('SIGKILL');
      await new Promise((r) => sh.once('exit', r));
      assert.equal(brokenLink(chain)?.pid, sh.pid, 'sleep was re-parented: its launcher is gone');
    } finally {
      sh.kill('SIGKILL');
      if (sleeper) process.kill(sleeper, 'SIGKILL');
    }
  });

  // A process that counts SIGTERMs: its handler keeps it alive 2 s after the first, then prints the count.
  const root = new URL('../../../', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-launcher-watch-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const counter = join(dir, 'counter.mjs');
  writeFileSync(
    counter,
    `const { stopWhenLauncherStops } = await import(${JSON.stringify(new URL('./launcher-watch.ts', import.meta.url).pathname)});
let n = 0;
process.on('SIGTERM', () => { if (++n === 1) setTimeout(() => { process.stdout.write('signals=' + n + '\\n'); process.exit(0); }, 2000); });
stopWhenLauncherStops({ pollMs: 100 });
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`,
  );
  const underShell = async (signalWholeGroup: boolean) => {
    const sh = spawn('sh', ['-c', `${process.execPath} --import tsx ${counter}; exit 0`], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    sh.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    sh.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    try {
      for (let i = 0; i < 600 && !out.includes('ready'); i++) await sleep(50);
      assert.ok(out.includes('ready'), err);
      process.kill(signalWholeGroup ? -sh.pid! : sh.pid!, 'SIGTERM');
      for (let i = 0; i < 200 && !out.includes('signals='); i++) await sleep(50);
      return { out, err };
    } finally {
      try {
        process.kill(-sh.pid!, 'SIGKILL');
      } catch {
        // all gone
      }
    }
  };

  it('stops the process as on SIGTERM when its `sh -c` wrapper alone is stopped', async () => {
    const r = await underShell(false);
    assert.match(r.out, /signals=1\n/, r.err);
    assert.match(r.err, /its launcher \(sh -c .*\) stopped; stopping as on SIGTERM/);
  });

  it('adds no second SIGTERM when the real one reached the process too (Ctrl-C, SLURM): a worker would read it as "exit now"', async () => {
    const r = await underShell(true);
    assert.match(r.out, /signals=1\n/, r.err);
    assert.doesNotMatch(r.err, /stopping as on SIGTERM/);
  });
});
