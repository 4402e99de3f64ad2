/**
 * `equiscale dashboard`: a small HTTP server over the results database (the same one `equiscale results` reads)
 * with one page for all sweeps. It polls a cheap change marker (libs/db dashboard.ts) every `pollMs`; when
 * something changed it reads every sweep's progress, pushes it to the open pages as a server-sent event, and
 * offers the sweeps whose finished trials changed to the fitter (a worker thread, at most one refit per sweep
 * every `refitMs`), whose results are pushed too. Every asset is served from here (vega and vega-lite from
 * node_modules): the page needs no internet.
 *
 * Access: no login when bound to a loopback address; on any other address the token (EQUISCALE_TOKEN) is
 * required, as `authorization: Bearer <token>` or once as `?token=<token>`, which sets an HttpOnly cookie (an
 * HMAC of the token, never the token itself) and redirects to the same page without it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  dashboardCurves,
  dashboardSweeps,
  dashboardTrials,
  listTrialRecords,
  dashboardVersion,
  getSweepByName,
  type DashboardSweep,
  type EquiscaleDb,
} from '@equiscale/db';
import { createFitter, type FitState } from './fitter.js';
import { dashboardPage } from './page.js';

export interface DashboardOptions {
  conn: EquiscaleDb;
  host?: string;
  /** 0: any free port */
  port?: number;
  /** required when host is not a loopback address */
  token?: string;
  /** folders searched for reports (report.md + report.html written by `plot` or `demo`) */
  reportDirs?: string[];
  /** how often the change marker is polled (default 1000 ms) */
  pollMs?: number;
  /** at most one refit per sweep this often (default 5000 ms) */
  refitMs?: number;
  /** bootstrap resamples for the frontier bands (default 100) */
  bootstrap?: number;
  log?(line: string): void;
}

export interface RunningDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/;
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

const COOKIE = 'equiscale_dashboard';

function asset(pkg: string, file: string): string {
  return join(dirname(fileURLToPath(import.meta.resolve(pkg))), file);
}

const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/app.js': { file: fileURLToPath(new URL('./assets/app.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: fileURLToPath(new URL('./assets/app.css', import.meta.url)), type: 'text/css; charset=utf-8' },
  '/assets/vega.min.js': { file: asset('vega', 'vega.min.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/vega-lite.min.js': { file: asset('vega-lite', 'vega-lite.min.js'), type: 'text/javascript; charset=utf-8' },
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The report of a sweep, when one of the folders holds it (report.md starts with "# equiscale study report: NAME"). */
function findReport(dirs: readonly string[], sweep: string): string | undefined {
  for (const dir of dirs) {
    for (const d of [join(dir, sweep), dir]) {
      const md = join(d, 'report.md');
      const html = join(d, 'report.html');
      if (!existsSync(md) || !existsSync(html)) continue;
      const first = readFileSync(md, 'utf8').split('\n', 1)[0]!.trim();
      if (first === `# equiscale study report: ${sweep}`) return html;
    }
  }
  return undefined;
}

export async function startDashboard(opts: DashboardOptions): Promise<RunningDashboard> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8080;
  const token = opts.token || undefined;
  const needAuth = !isLoopback(host);
  if (needAuth && !token) {
    throw new Error(`dashboard --host ${host} is not a loopback address: set EQUISCALE_TOKEN so the page requires it, or bind to 127.0.0.1`);
  }
  const cookieValue = token ? createHmac('sha256', token).update('equiscale dashboard cookie').digest('hex') : '';
  const { conn } = opts;
  const db = conn.db;
  const reportDirs = (opts.reportDirs ?? ['equiscale-out']).map((d) => resolve(d));
  const pollMs = opts.pollMs ?? 1000;
  const log = opts.log ?? (() => {});

  const clients = new Set<ServerResponse>();
  const send = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of clients) c.write(frame);
  };

  const fitter = createFitter({
    bootstrap: opts.bootstrap ?? 100,
    minIntervalMs: opts.refitMs ?? 5000,
    onFit: (sweep, state) => send('fit', { sweep, ...summaryOf(state) }),
    onError: (err) => log(`dashboard: fit thread failed: ${err.message}`),
  });
  const summaryOf = (s: FitState | undefined) => ({ pending: s?.pending ?? false, fittedAt: s?.view?.fittedAt ?? null, error: s?.error ?? null });

  let overview: { version: string; sweeps: DashboardSweep[]; at: string } = { version: '', sweeps: [], at: new Date().toISOString() };
  const sweepMarks = new Map<string, string>();
  const withReports = () => overview.sweeps.map((s) => ({ ...s, report: findReport(reportDirs, s.name) ? `/report/${encodeURIComponent(s.name)}` : null }));

  let refreshing: Promise<void> | undefined;
  const refresh = () =>
    (refreshing ??= (async () => {
      const version = await dashboardVersion(db);
      if (version === overview.version) return;
      const sweeps = await dashboardSweeps(db);
      overview = { version, sweeps, at: new Date().toISOString() };
      for (const s of sweeps) {
        const mark = JSON.stringify(s.families.map((f) => [f.family, f.counts.completed, f.bestTestLoss]));
        if (sweepMarks.get(s.name) === mark) continue;
        sweepMarks.set(s.name, mark);
        fitter.offer(s.name, await listTrialRecords(db, s.id, { limit: 100_000 }));
      }
      send('overview', { sweeps: withReports(), at: overview.at });
    })().finally(() => (refreshing = undefined)));

  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      refresh().then(
        () => {
          if (failing) log('dashboard: database reachable again');
          failing = false;
        },
        (err: unknown) => {
          if (!failing) log(`dashboard: cannot read the database (${(err as Error).message}); retrying`);
          failing = true;
        },
      ).finally(loop);
    }, pollMs);
  };
  await refresh();
  loop();

  const json = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };

  const authorized = (req: IncomingMessage, url: URL, res: ServerResponse): boolean => {
    if (!needAuth) return true;
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Bearer ') && sameSecret(auth.slice(7), token!)) return true;
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).find(([k]) => k === COOKIE)?.[1];
    if (cookie && sameSecret(cookie, cookieValue)) return true;
    const q = url.searchParams.get('token');
    if (q !== null && sameSecret(q, token!)) {
      url.searchParams.delete('token');
      res.writeHead(303, {
        location: url.pathname + url.search,
        'set-cookie': `${COOKIE}=${cookieValue}; HttpOnly; SameSite=Strict; Path=/`,
      }).end();
      return false;
    }
    res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' }).end(
      'equiscale dashboard: this address needs the token: open the page once with ?token=<EQUISCALE_TOKEN>, or send "authorization: Bearer <EQUISCALE_TOKEN>"\n',
    );
    return false;
  };

  const sweepByName = async (name: string | null) => (name ? getSweepByName(db, name) : undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (!authorized(req, url, res)) return;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    const path = url.pathname;
    if (path === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // vega compiles its expressions with Function: 'unsafe-eval' for scripts, nothing from elsewhere
        'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      }).end(dashboardPage());
      return;
    }
    const a = ASSETS[path];
    if (a) {
      res.writeHead(200, { 'content-type': a.type, 'cache-control': 'max-age=300' }).end(readFileSync(a.file));
      return;
    }
    if (path === '/api/overview') {
      json(res, 200, { sweeps: withReports(), at: overview.at });
      return;
    }
    if (path === '/api/sweep') {
      const sweep = await sweepByName(url.searchParams.get('name'));
      if (!sweep) return json(res, 404, { error: `no sweep named ${JSON.stringify(url.searchParams.get('name'))}` });
      const trials = await dashboardTrials(db, Number(sweep.id));
      fitter.offer(sweep.name, await listTrialRecords(db, Number(sweep.id), { limit: 100_000 }));
      const fit = fitter.get(sweep.name);
      json(res, 200, { name: sweep.name, status: sweep.status, trials, fit: { ...summaryOf(fit), view: fit?.view ?? null } });
      return;
    }
    if (path === '/api/curves') {
      const sweep = await sweepByName(url.searchParams.get('name'));
      if (!sweep) return json(res, 404, { error: `no sweep named ${JSON.stringify(url.searchParams.get('name'))}` });
      const split = url.searchParams.get('split') ?? 'val';
      if (split !== 'train' && split !== 'val') return json(res, 400, { error: 'split: use train or val' });
      const family = url.searchParams.get('family') || undefined;
      const size = url.searchParams.get('size') || undefined;
      const trials = (await dashboardTrials(db, Number(sweep.id))).filter((t) => (!family || t.family === family) && (!size || t.sizeLabel === size)).slice(0, 200);
      const points = await dashboardCurves(db, Number(sweep.id), trials.map((t) => t.id), split);
      json(res, 200, {
        split,
        trials: trials.map((t) => ({ id: t.id, family: t.family, size: t.sizeLabel, steps: t.steps, trainSize: t.trainSize, seed: t.seed, status: t.status })),
        points,
      });
      return;
    }
    if (path.startsWith('/report/')) {
      const name = decodeURIComponent(path.slice('/report/'.length));
      // only names of sweeps in the database: never a path of the caller's choosing
      const file = overview.sweeps.some((s) => s.name === name) ? findReport(reportDirs, name) : undefined;
      if (!file || !statSync(file).isFile()) return json(res, 404, { error: 'no report for this sweep (write one with `equiscale plot --sweep NAME --out DIR`)' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(file));
      return;
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      res.write(`event: overview\ndata: ${JSON.stringify({ sweeps: withReports(), at: overview.at })}\n\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`dashboard: ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) json(res, 500, { error: 'cannot read the database; see the dashboard log' });
      else res.end();
    });
  });
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (err) {
    stopped = true;
    clearTimeout(timer);
    await fitter.close();
    throw new Error(`dashboard cannot listen on ${host}:${port} (${(err as Error).message}); pick another --port`, { cause: err });
  }
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/`,
    port: bound,
    async close() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(keepAlive);
      for (const c of clients) c.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await refreshing?.catch(() => {});
      await fitter.close();
    },
  };
}
