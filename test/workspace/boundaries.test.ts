import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

/** Lints one probe file placed inside a lib, then removes it; returns eslint's exit status and output. */
function lintProbe(lib: string, source: string): { status: number | null; out: string } {
  const file = join(root, 'libs', lib, 'src', `zz_boundary_probe_${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    const r = spawnSync(join(root, 'node_modules/.bin/eslint'), ['--no-cache', file], { cwd: root, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(file, { force: true });
  }
}

describe('module boundaries (nx lint)', () => {
  before(() => {
    // The rule reads Nx's cached project graph; make sure it exists.
    const r = spawnSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('fails when a lib imports an app', () => {
    const r = lintProbe('scaling', "import { startCoordinator } from '@equiscale/coordinator';\nexport const x = startCoordinator;\n");
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /enforce-module-boundaries/);
  });

  it('fails when a science lib imports the database or gRPC contract', () => {
    for (const dep of ['@equiscale/db', '@equiscale/contract']) {
      const r = lintProbe('models', `import * as m from '${dep}';\nexport const x = m;\n`);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /enforce-module-boundaries/);
    }
  });

  it('passes for an allowed import (science lib to science lib)', () => {
    const r = lintProbe('sweeps', "import type { BenchmarkConfig } from '@equiscale/rigid-body';\nexport type X = BenchmarkConfig;\n");
    assert.equal(r.status, 0, r.out);
  });

  it('fails when a part that only counts FLOPs imports the models root (TensorFlow.js) instead of its accounting entry', () => {
    const bad = lintProbe('sweeps', "import { summarize } from '@equiscale/models';\nexport const x = summarize;\n");
    assert.equal(bad.status, 1, bad.out);
    assert.match(bad.out, /no-restricted-imports/);
    const ok = lintProbe('sweeps', "import { summarize } from '@equiscale/models/accounting';\nexport const x = summarize;\n");
    assert.equal(ok.status, 0, ok.out);
  });
});
