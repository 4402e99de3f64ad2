import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BENCHMARK_KINDS, checkBenchmarkKind } from './index.js';

test('checkBenchmarkKind: known kinds pass, absent means rigid-body, anything else is one line naming the field', () => {
  for (const k of BENCHMARK_KINDS) assert.equal(checkBenchmarkKind(k), k);
  assert.equal(checkBenchmarkKind(undefined), 'rigid-body');
  for (const bad of ['weightspace', '', 3, null, ['rigid-body']]) {
    assert.throws(() => checkBenchmarkKind(bad, 'spec.benchmark.kind'), (e: Error) => {
      assert.match(e.message, /^spec\.benchmark\.kind must be one of rigid-body, weight-space \(got .*\); omit it for rigid-body$/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});
