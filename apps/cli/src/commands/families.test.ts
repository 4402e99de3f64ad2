import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';

const root = new URL('../../../../', import.meta.url).pathname;
const equiscale = (args: string[]) => spawnSync('npx', ['--no-install', 'equiscale', ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });

describe('equiscale families', () => {
  it('--json lists every family with its description, source paper and guarantee', () => {
    const r = equiscale(['families', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; description: string; source: string; guarantee: string; options?: Record<string, number> }[];
    const names = rows.map((x) => x.name);
    for (const n of ['transformer', 'transformer+augment', 'transformer+augment-task', 'gatr', 'gatr+approx', 'transformer+lps', 'transformer+clone']) {
      assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);
    }
    const by = Object.fromEntries(rows.map((x) => [x.name, x]));
    assert.match(by['gatr+approx']!.source, /Approximately Equivariant Neural Processes/);
    assert.match(by['transformer+lps']!.source, /Learning Probabilistic Symmetrization/);
    assert.match(by['transformer+clone']!.source, /Symmetry From Scratch/);
    assert.deepEqual(rows.map((x) => x.guarantee).filter((g, i, a) => a.indexOf(g) === i).sort(), ['approximate', 'exact', 'in expectation', 'none']);
    assert.deepEqual(by['transformer+lps']!.options, { samples: 2, hidden: 16, noise: 4 });
    assert.deepEqual(by['gatr+approx']!.options, { inputs: 2 });
    assert.deepEqual(by['transformer+clone']!.options, { fraction: 0.5 });
    assert.match(by['transformer+clone']!.description, /teacher/);
    for (const x of rows) assert.ok(x.description.length > 0);
  });

  it('prints a table without --json', () => {
    const r = equiscale(['families']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /transformer\+clone +none +Huang/);
    assert.match(r.stdout, /gatr\+approx/);
  });
});
