import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
/** Runs the installed `equiscale` command exactly as a user would after npm ci. */
export function equiscale(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('npx', ['--no-install', 'equiscale', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

describe('equiscale command', () => {
  it('prints its version', () => {
    const r = equiscale(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('prints help naming the command', () => {
    const r = equiscale(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: equiscale/);
  });

  it('refuses an unknown command with exit code 2', () => {
    const r = equiscale(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command/);
  });
});
