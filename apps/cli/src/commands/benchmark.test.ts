import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';

const root = new URL('../../../../', import.meta.url).pathname;
const equiscale = (args: string[]) => spawnSync('npx', ['--no-install', 'equiscale', ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
const dir = mkdtempSync(join(tmpdir(), 'equiscale-benchmark-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('equiscale benchmark stats', () => {
  it("prints per-split contact shares and baselines of a spec's benchmark as JSON", () => {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({
      name: 'stats', benchmark: { valExamples: 16, testExamples: 48 }, families: ['transformer'],
      modelSizes: [{ index: 0 }], steps: [1], trainSizes: [16], seeds: [0],
    }));
    const r = equiscale(['benchmark', 'stats', '--spec', spec, '--train', '24', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { splits: Record<string, { examples: number; contactShare: number; bodyBodyContactShare: number; baselines: { noMotion: number; constantVelocity: number } }>; horizon: number };
    assert.deepEqual(Object.keys(out.splits), ['train', 'val', 'test']);
    assert.deepEqual(Object.values(out.splits).map((s) => s.examples), [24, 16, 48]);
    for (const s of Object.values(out.splits)) {
      assert.ok(s.contactShare >= 0.5 && s.contactShare <= 1, `contact share ${s.contactShare}`);
      assert.ok(s.bodyBodyContactShare > 0 && s.bodyBodyContactShare <= s.contactShare);
      assert.ok(s.baselines.constantVelocity > 0 && s.baselines.constantVelocity < s.baselines.noMotion);
    }
    assert.equal(out.horizon, 8);
  });

  it('refuses a bad benchmark field in one line with exit code 2', () => {
    const spec = join(dir, 'bad.json');
    writeFileSync(spec, JSON.stringify({ name: 'bad', benchmark: { horizon: 0 }, families: ['transformer'], modelSizes: [{ index: 0 }], steps: [1], trainSizes: [16], seeds: [0] }));
    const r = equiscale(['benchmark', 'stats', '--spec', spec]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /horizon/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
