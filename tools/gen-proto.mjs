#!/usr/bin/env node
// Generates the gRPC contract (libs/contract/src/gen) from proto/ with buf + ts-proto, both from npm.
//   node tools/gen-proto.mjs          regenerate in place
//   node tools/gen-proto.mjs --check  regenerate into a temporary folder and fail if it differs from the
//                                     committed code (run by the contract's tests, so drift fails CI)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const protoDir = join(root, 'proto');
const committed = join(root, 'libs/contract/src/gen');
const buf = join(root, 'node_modules/.bin/buf');
const check = process.argv.includes('--check');

function files(dir, base = dir, out = new Map()) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, base, out);
    else out.set(relative(base, p), readFileSync(p, 'utf8'));
  }
  return out;
}

execFileSync(buf, ['lint'], { cwd: protoDir, stdio: 'inherit' });
if (!check) {
  rmSync(committed, { recursive: true, force: true });
  execFileSync(buf, ['generate'], { cwd: protoDir, stdio: 'inherit' });
  console.log(`generated ${committed}`);
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'equiscale-proto-'));
  try {
    const template = readFileSync(join(protoDir, 'buf.gen.yaml'), 'utf8').replace(
      /out: .*/,
      `out: ${join(tmp, 'gen')}`,
    );
    writeFileSync(join(tmp, 'buf.gen.yaml'), template);
    execFileSync(buf, ['generate', '--template', join(tmp, 'buf.gen.yaml')], { cwd: protoDir, stdio: 'inherit' });
    const want = files(join(tmp, 'gen'));
    const have = files(committed);
    const drift = [...new Set([...want.keys(), ...have.keys()])].filter((k) => want.get(k) !== have.get(k));
    if (drift.length) {
      console.error(`generated gRPC code is stale: ${drift.join(', ')} differ from proto/. Run: npm run proto`);
      process.exit(1);
    }
    console.log('generated gRPC code matches proto/');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
