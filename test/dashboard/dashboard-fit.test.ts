/**
 * Issue 18, the dashboard's live fit: trials of a sweep finish with test losses from planted scaling laws
 * (written straight into a Postgres test database, as workers would); the dashboard's server (in-process, real
 * HTTP on 127.0.0.1) refits in its worker thread and pushes a `fit` event over SSE; the fit it serves recovers the
 * planted exponents, and its chart carries the frontier lines with bootstrap bands. When more trials finish, it
 * refits on all of them and pushes again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSweep, type EquiscaleDb } from '@equiscale/db';
import { openTestDatabase, syntheticTrialRows } from '@equiscale/db/testing';
import { makeRng, predictLoss, type LawParams } from '@equiscale/scaling';
import { startDashboard, type RunningDashboard } from '../../apps/cli/src/dashboard/index.js';

const LAWS: Record<string, LawParams> = {
  gatr: { E: 0.02, A: 40, B: 300, alpha: 0.45, beta: 0.5 },
  transformer: { E: 0.02, A: 60, B: 250, alpha: 0.35, beta: 0.45 },
};
const NS = [1e4, 3e4, 1e5, 3e5];
const STEPS = [1_000, 3_000, 10_000, 30_000];
const BATCH = 4;

interface SseEvent {
  event: string;
  data: any;
}

/** Reads server-sent events from `url` into `events` until aborted. */
function listen(url: string, events: SseEvent[], signal: AbortSignal): void {
  void (async () => {
    const res = await fetch(url, { signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  })().catch(() => {});
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('dashboard live fit', () => {
  let conn: EquiscaleDb & { url: string };
  let dash: RunningDashboard;
  const abort = new AbortController();
  const events: SseEvent[] = [];
  const rng = makeRng(7);
  // a report for the sweep as `equiscale plot --out DIR/planted` writes it, and one for another study
  const reports = mkdtempSync(join(tmpdir(), 'equiscale-dash-reports-'));
  mkdirSync(join(reports, 'planted'));
  writeFileSync(join(reports, 'planted', 'report.md'), '# equiscale study report: planted\n');
  writeFileSync(join(reports, 'planted', 'report.html'), '<html><body>planted report</body></html>');
  writeFileSync(join(reports, 'report.md'), '# equiscale study report: other\n');
  writeFileSync(join(reports, 'report.html'), '<html><body>other report</body></html>');

  before(async () => {
    conn = await openTestDatabase();
    const cells = Object.keys(LAWS).flatMap((family) => NS.flatMap((n) => STEPS.map((steps) => ({ family, n, steps }))));
    await createSweep(conn.db, {
      name: 'planted',
      spec: {},
      specHash: 'planted',
      maxAttempts: 3,
      extend: false,
      trials: syntheticTrialRows(cells.length, 'planted', (i) => {
        const base = syntheticTrialRows(1, 'planted')[0]!;
        return {
          family: cells[i]!.family,
          sizeLabel: `n${cells[i]!.n}`,
          steps: cells[i]!.steps,
          training: { ...base.training, batchSize: BATCH },
          plan: { ...base.plan, paramCount: cells[i]!.n, nominalFlopsPerSample: 6 * cells[i]!.n, nominalFlops: 6 * cells[i]!.n * cells[i]!.steps * BATCH },
          seed: 0,
        };
      }),
    });
    dash = await startDashboard({ conn, host: '127.0.0.1', port: 0, pollMs: 200, refitMs: 500, bootstrap: 30, reportDirs: [reports] });
    listen(`${dash.url}events`, events, abort.signal);
  });
  after(async () => {
    abort.abort();
    await dash?.close();
    await conn?.close();
    rmSync(reports, { recursive: true, force: true });
  });

  /** Completes the given trials with a test loss from their family's law (0.5% log-normal noise). */
  async function finish(ids: number[]) {
    const trials = await conn.db.selectFrom('trials').select(['id', 'trial']).where('id', 'in', ids).execute();
    for (const { id, trial: t } of trials) {
      const loss = predictLoss(LAWS[t.family]!, t.plan.paramCount, t.steps * t.training.batchSize) * Math.exp(0.005 * rng.normal());
      await conn.db.updateTable('trials').set({ status: 'completed', test_loss: loss, val_loss: loss, finished_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
    }
  }
  const sweep = async () => (await (await fetch(`${dash.url}api/sweep?name=planted`)).json()) as any;
  const fitEvents = () => events.filter((e) => e.event === 'fit' && e.data.sweep === 'planted' && e.data.fittedAt && !e.data.pending);

  it('fits the finished runs, pushes the fit over SSE, and serves frontiers with bands', async () => {
    const all = (await conn.db.selectFrom('trials').select(['id', 'trial']).orderBy('id').execute()).map((t) => ({ id: Number(t.id), steps: t.trial.steps }));
    // all but the longest runs first
    await finish(all.filter((t) => t.steps < 30_000).map((t) => t.id));
    const first = await until('the first fit event', () => fitEvents()[0]);
    const body = await sweep();
    const view = body.fit.view;
    assert.equal(view.fittedAt, first.data.fittedAt);
    assert.equal(view.runs, 24);
    for (const f of view.families) {
      assert.equal(f.problem, undefined, `${f.family}: ${f.problem}`);
      const law = LAWS[f.family]!;
      assert.ok(Math.abs(f.alpha - law.alpha) / law.alpha < 0.2, `${f.family} alpha ${f.alpha} vs planted ${law.alpha}`);
      assert.ok(Math.abs(f.beta - law.beta) / law.beta < 0.2, `${f.family} beta ${f.beta} vs planted ${law.beta}`);
      assert.ok(f.alphaInterval[0] <= f.alphaInterval[1]);
    }
    const layers = view.spec.layer as { mark: { type: string } | string; data: { values: Record<string, number | string>[] } }[];
    const kind = (l: (typeof layers)[number]) => (typeof l.mark === 'string' ? l.mark : l.mark.type);
    const line = layers.find((l) => kind(l) === 'line');
    const band = layers.find((l) => kind(l) === 'area');
    const dots = layers.find((l) => kind(l) === 'point');
    assert.equal(dots?.data.values.length, 24, 'one dot per finished run');
    assert.deepEqual([...new Set(line?.data.values.map((p) => p.family))].sort(), ['gatr', 'transformer'], 'a frontier per family');
    assert.ok(band && band.data.values.every((p) => (p.lo as number) <= (p.loss as number) && (p.loss as number) <= (p.hi as number)), 'bands around the frontiers');
  });

  it('refits when more trials finish, and pushes the new fit', async () => {
    const before = fitEvents().length;
    const rest = await conn.db.selectFrom('trials').select('id').where('status', '=', 'pending').execute();
    assert.equal(rest.length, 8);
    await finish(rest.map((t) => Number(t.id)));
    await until('a fit event on all 32 runs', async () => (fitEvents().length > before && (await sweep()).fit.view.runs === 32 ? true : undefined));
    const overview = events.filter((e) => e.event === 'overview').at(-1)!.data;
    const fams = overview.sweeps.find((s: any) => s.name === 'planted').families;
    assert.deepEqual(fams.map((f: any) => f.counts.completed), [16, 16]);
  });

  it("links the sweep's report when a report folder holds it, and serves nothing else from there", async () => {
    const overview = (await (await fetch(`${dash.url}api/overview`)).json()) as { sweeps: { name: string; report: string | null }[] };
    assert.deepEqual(overview.sweeps.map((s) => [s.name, s.report]), [['planted', '/report/planted']]);
    const report = await fetch(`${dash.url}report/planted`);
    assert.equal(report.status, 200);
    assert.match(await report.text(), /planted report/);
    for (const other of ['other', '..%2Fplanted', 'planted%2F..%2F..']) {
      const res = await fetch(`${dash.url}report/${other}`);
      assert.equal(res.status, 404, other);
      await res.text();
    }
  });
});
