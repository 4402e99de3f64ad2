/**
 * Debian's chromium for the dashboard test: found on PATH, or installed with apt-get (as CI does on a fresh
 * machine). Returns the executable, or the reason it cannot be had (only when apt-get itself is missing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function found(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

export function ensureChromium(): { path: string } | { skip: string } {
  const have = found();
  if (have) return { path: have };
  if (spawnSync('apt-get', ['--version']).status !== 0) return { skip: 'chromium is not installed and apt-get is not available to install it' };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'inherit' }).status === 0;
  console.log('dashboard test: installing Debian chromium with apt-get (not on PATH)');
  if (!install()) {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { env, stdio: 'inherit' });
    if (!install()) throw new Error('apt-get install chromium failed (see the output above)');
  }
  const path = found();
  if (!path) throw new Error(`apt-get installed chromium, but none of ${CANDIDATES.join(', ')} exists`);
  return { path };
}
