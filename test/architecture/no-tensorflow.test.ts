/**
 * The planner and the coordinator only count parameters and FLOPs: importing them must not load TensorFlow.js
 * (@equiscale/models/accounting is their entry point; see eslint.config.mjs). Each check runs in a fresh Node
 * process, since this test runner's own process may have loaded anything.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

function tfLoadedAfter(imports: string[]): { loaded: boolean; out: string } {
  const code = `${imports.map((m) => `await import('${m}');`).join(' ')} process.stdout.write(globalThis._tfengine ? 'LOADED' : 'CLEAN');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return { loaded: r.stdout.includes('LOADED'), out: r.stdout + r.stderr };
}

describe('TensorFlow.js stays out of what only counts FLOPs', () => {
  it('importing @equiscale/sweeps and @equiscale/coordinator leaves globalThis._tfengine unset', () => {
    const r = tfLoadedAfter(['@equiscale/sweeps', '@equiscale/coordinator']);
    assert.equal(r.loaded, false, r.out);
  });

  it('the weight-space benchmark\'s root and accounting entry points are TensorFlow.js-free; its /train loads it', () => {
    assert.equal(tfLoadedAfter(['@equiscale/weight-space', '@equiscale/weight-space/accounting']).loaded, false);
    assert.equal(tfLoadedAfter(['@equiscale/weight-space/train']).loaded, true);
  });

  it('the accounting entry point is TensorFlow.js-free, and the check can fail: the package root loads it', () => {
    assert.equal(tfLoadedAfter(['@equiscale/models/accounting']).loaded, false);
    assert.equal(tfLoadedAfter(['@equiscale/models']).loaded, true);
  });
});
