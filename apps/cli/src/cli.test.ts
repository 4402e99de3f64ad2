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

  it('sweep plan --preset study --json prints the design and an estimate; a bad preset is one line, exit 2', () => {
    const r = equiscale(['sweep', 'plan', '--preset', 'study', '--json', '--workers', '2']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout) as { design: { computeSizes: Record<string, { span: number }>; seeds: number[] }; estimatedMinutes: number };
    assert.deepEqual(Object.keys(p.design.computeSizes).sort(), ['gatr', 'transformer', 'transformer+augment']);
    assert.ok(p.estimatedMinutes > 0 && p.estimatedMinutes <= 90);
    const bad = equiscale(['sweep', 'plan', '--preset', 'huge']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--preset huge is not a preset; use one of quick, demo, study/);
    const both = equiscale(['demo', '--quick', '--preset', 'study']);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--quick is --preset quick/);
  });
});
