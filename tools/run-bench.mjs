#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts of every project, one after another, printing what each measures.
// Benchmarks print ratios measured side by side in one run; they assert nothing. BENCH_FILTER=substring narrows.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.env.BENCH_FILTER;
const files = [];
for (const group of ['libs', 'apps']) {
  for (const project of readdirSync(join(root, group))) {
    const dir = join(root, group, project, 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.ts')) files.push(join(dir, f));
  }
}
let failed = 0;
for (const f of files.filter((x) => !filter || x.includes(filter))) {
  console.log(`\n=== ${f.slice(root.length)} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', f], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
