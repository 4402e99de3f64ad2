#!/usr/bin/env node
// Runs every *.test.ts file under the given directories with node's own test runner (TypeScript via tsx).
// Usage: node tools/run-tests.mjs DIR [DIR...]   (env TEST_FILTER=substring narrows the files)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push('.');
const filter = process.env.TEST_FILTER;
const files = dirs.flatMap((d) => collect(resolve(d), [])).filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error(`run-tests: no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: process.env },
);
process.exit(r.status ?? 1);
