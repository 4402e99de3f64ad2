import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
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
});
