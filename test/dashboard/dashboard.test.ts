/// <reference lib="dom" />
/**
 * Issue 18, the dashboard: `equiscale dashboard` (a real CLI process) over a Postgres test database on which a real
 * coordinator runs a real sweep of tiny trials trained by real worker processes, loaded in a real headless
 * Chromium (Debian's, driven by puppeteer-core). The page loads with no console errors or failed requests,
 * shows the running sweep, updates through server-sent events (never reloaded) when a trial completes, draws
 * the fitted test-loss-vs-compute chart and learning curves, and a screenshot goes to test-output/dashboard.png.
 * Also: access control over plain HTTP (no login on loopback; token as bearer or ?token= cookie elsewhere;
 * refusing to bind beyond loopback without one).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { killAll, launch, ROOT, spawnWorker, startStack, tinySpec, warmDatasetCache, type Stack, type WorkerProcess } from '../sweeps/helpers.js';
import { ensureChromium } from './chromium.js';

const BIN = join(ROOT, 'apps/cli/bin/equiscale.mjs');
export const SCREENSHOT = join(ROOT, 'test-output/dashboard.png');

/** 3 model sizes × 3 step counts × 2 families = 18 tiny trials: enough runs per family for the fit. */
const SPEC = tinySpec({
  name: 'dash',
  modelSizes: [4, 8, 12].map((width, i) => ({ label: `s${i + 1}`, dims: { transformer: { width, depth: 1, heads: 1, mlpRatio: 2 } } })),
  steps: [4, 8, 12],
  seeds: [0],
  eval: { every: 2, examples: 8 },
});

interface DashboardProcess {
  child: ChildProcess;
  url: string;
  stderr: string[];
  exited: Promise<number | null>;
}

async function spawnDashboard(args: string[], env: Record<string, string> = {}): Promise<DashboardProcess> {
  const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr.push(chunk);
      const m = /equiscale dashboard on (http:\/\/\S+\/)/.exec(stderr.join(''));
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`dashboard exited (${code}) before listening: ${stderr.join('')}`)));
  });
  return { child, url, stderr, exited };
}

async function stopProcess(p: { child: ChildProcess; exited: Promise<number | null> } | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(t);
}

describe('dashboard in headless Chromium, live over a real sweep', () => {
  const chromium = ensureChromium();
  if ('skip' in chromium) {
    console.log(`SKIPPED dashboard Chromium test: ${chromium.skip}`);
    it.skip(`dashboard in Chromium (${chromium.skip})`, () => {});
    return;
  }
  let s: Stack;
  let dash: DashboardProcess;
  let browser: Browser;
  let page: Page;
  const workers: WorkerProcess[] = [];
  const problems: string[] = [];

  before(async () => {
    await warmDatasetCache(SPEC);
    s = await startStack({ leaseTtlMs: 10_000, heartbeatIntervalMs: 1_000, reapIntervalMs: 500, idleRetryMs: 200 });
    await launch(s, SPEC);
    dash = await spawnDashboard(['--database-url', s.conn.url, '--refit-seconds', '1', '--bootstrap', '20']);
    browser = await puppeteer.launch({ executablePath: chromium.path, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1300 });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
    page.on('requestfailed', (r) => {
      // the event stream is cut when the browser closes; anything else failing is a defect
      if (!r.url().endsWith('/events')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await killAll(workers);
    await stopProcess(dash);
    await s?.close();
  });

  const cardText = () => page.$eval('.sweep-card[data-sweep="dash"]', (e) => (e as HTMLElement).innerText);

  it('loads with every asset local, shows the running sweep and goes live', async () => {
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(dash.url) && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.goto(dash.url, { waitUntil: 'load' });
    await page.waitForSelector('.sweep-card[data-sweep="dash"]', { timeout: 30_000 });
    assert.match(await cardText(), /active · 0\/18 finished/);
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('#trials tbody tr').length === 18, { timeout: 30_000 });
    const families = await page.$$eval('.sweep-card[data-sweep="dash"] .fam', (es) => es.map((e) => e.getAttribute('data-family')));
    assert.deepEqual(families, ['transformer', 'transformer+augment']);
    assert.deepEqual(external, [], 'no request leaves the dashboard');
    assert.deepEqual(problems, []);
  });

  it('updates through server-sent events when a trial completes (no reload)', async () => {
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    workers.push(spawnWorker(s.coordinator.address, ['--once', '--worker-id', 'once']));
    assert.equal(await workers[0]!.exited, 0, JSON.stringify(workers[0]!.logs.filter((l) => l.level === 'error')));
    await page.waitForFunction(() => /1\/18 finished/.test((document.querySelector('.sweep-card[data-sweep="dash"]') as HTMLElement)?.innerText ?? ''), { timeout: 30_000 });
    await page.waitForSelector('#trials tbody tr[data-status="completed"]', { timeout: 30_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'the page was not reloaded');
    // the first finished run is on the chart
    await page.waitForSelector('#fit-chart svg', { timeout: 60_000 });
    assert.deepEqual(problems, []);
  });

  it('follows the sweep to the end: every trial, refitted chart, learning curves, screenshot', async () => {
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(s.coordinator.address, ['--idle-exit-ms', '1500', '--worker-id', `w${i}`]));
    await Promise.all(workers.map((w) => w.exited));
    await page.waitForFunction(() => /completed · 18\/18 finished/.test((document.querySelector('.sweep-card[data-sweep="dash"]') as HTMLElement)?.innerText ?? ''), { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('#trials tbody tr[data-status="completed"]').length === 18, { timeout: 30_000 });
    // the refit on all 18 runs (at most every second here) reaches the page
    await page.waitForFunction(() => /on 18 runs/.test(document.getElementById('fit-status')?.textContent ?? ''), { timeout: 120_000 });
    const fitRows = await page.$$eval('#fit-table tbody tr[data-family]', (rs) => rs.map((r) => r.getAttribute('data-family')));
    assert.deepEqual(fitRows.sort(), ['transformer', 'transformer+augment']);
    const dots = await page.$$eval('#fit-chart svg path[aria-roledescription="point"], #fit-chart svg .mark-symbol path', (ps) => ps.length);
    assert.ok(dots >= 18, `18 runs drawn on the loss-vs-compute chart (found ${dots} marks)`);
    // learning curves: validation points every 2 steps, one line per trial; the family filter narrows them
    await page.waitForSelector('#curves-chart svg', { timeout: 30_000 });
    const legend = () => page.$$eval('#curves-chart svg .role-legend-label text', (ts) => ts.map((t) => t.textContent ?? ''));
    await page.waitForFunction(() => document.querySelectorAll('#curves-chart svg .role-legend-label text').length === 18, { timeout: 30_000 });
    await page.select('#f-family', 'transformer+augment');
    await page.waitForFunction(() => document.querySelectorAll('#curves-chart svg .role-legend-label text').length === 9, { timeout: 30_000 });
    assert.ok((await legend()).every((l) => / transformer\+augment /.test(l)), (await legend()).join('; '));
    await page.select('#f-family', '');
    await page.waitForFunction(() => document.querySelectorAll('#curves-chart svg .role-legend-label text').length === 18, { timeout: 30_000 });

    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT as `${string}.png`, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
    assert.deepEqual(problems, []);
  });
});

describe('dashboard access control', () => {
  let s: Stack;
  const running: DashboardProcess[] = [];
  before(async () => {
    s = await startStack();
  });
  after(async () => {
    for (const d of running) await stopProcess(d);
    await s?.close();
  });

  it('needs no login on loopback', async () => {
    const d = await spawnDashboard(['--database-url', s.conn.url]);
    running.push(d);
    const res = await fetch(d.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>equiscale dashboard<\/title>/);
  });

  it('refuses to bind beyond loopback without a token: one line, exit 2', () => {
    const env = { ...process.env };
    delete env.EQUISCALE_TOKEN;
    const r = spawnSync(process.execPath, [BIN, 'dashboard', '--host', '0.0.0.0', '--port', '0', '--database-url', s.conn.url], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^equiscale: --host 0\.0\.0\.0: .*set EQUISCALE_TOKEN/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('beyond loopback requires the token: bearer header, or ?token= once for a cookie', async () => {
    const token = 'dash-token-7c1e';
    const d = await spawnDashboard(['--host', '0.0.0.0', '--database-url', s.conn.url], { EQUISCALE_TOKEN: token });
    running.push(d);
    const base = d.url.replace('0.0.0.0', '127.0.0.1');
    for (const path of ['', 'api/overview', 'events', 'assets/app.js']) {
      const res = await fetch(base + path);
      assert.equal(res.status, 401, `/${path} without the token`);
      assert.doesNotMatch(await res.text(), /"sweeps"|<html/);
    }
    assert.equal((await fetch(`${base}api/overview`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${base}?token=wrong`, { redirect: 'manual' })).status, 401);
    const bearer = await fetch(`${base}api/overview`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(bearer.status, 200);
    assert.ok(Array.isArray(((await bearer.json()) as { sweeps: unknown[] }).sweeps));
    const login = await fetch(`${base}?token=${token}`, { redirect: 'manual' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/');
    const cookie = login.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.ok(!cookie.includes(token), 'the cookie does not carry the token itself');
    const page = await fetch(base, { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(page.status, 200);
    await page.text();
  });
});
