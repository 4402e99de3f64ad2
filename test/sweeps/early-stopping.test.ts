/**
 * Early stopping on the validation split end to end (issue 15): a spec with eval.earlyStopping is planned into
 * trials that carry it, a real worker process trains them (cpu backend) and stops the long one on the patience rule,
 * the coordinator stores where it stopped with the trial, `equiscale results --format json` shows it, and the study
 * analysis counts the run's epochs from the steps it actually trained. Early stopping with a WSD schedule is refused
 * at createSweep in one line naming the field.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { listTrialRecords, loadStudyRows, sweepMetrics } from '@equiscale/db';
import { studyFromRows, studyInput } from '@equiscale/study';
import { grpcError, killAll, launch, ROOT, spawnWorker, startStack, tinySpec, warmDatasetCache, type Stack, type WorkerProcess } from './helpers.js';

// patience 2 at a 50% minimum improvement: training stops once two evaluations in a row fail to halve the best loss
const EARLY = { patience: 2, minImprovement: 0.5 };
const SPEC = tinySpec({
  name: 'early-stopping',
  families: ['transformer'],
  steps: [10, 200],
  seeds: [0],
  training: { batchSize: 4, lr: { peak: 3e-3 } },
  eval: { every: 5, examples: 8, earlyStopping: EARLY },
  checkpointEvery: 0,
});

function results(url: string, name: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'apps/cli/bin/equiscale.mjs'), 'results', name, '--format', 'json'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, EQUISCALE_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, unknown>[]) : reject(new Error(`results exited ${code}: ${err}`))));
  });
}

describe('early stopping end to end', () => {
  let s: Stack;
  const workers: WorkerProcess[] = [];
  before(async () => {
    await warmDatasetCache(SPEC);
    s = await startStack({ leaseTtlMs: 10_000, heartbeatIntervalMs: 1_000, reapIntervalMs: 500, idleRetryMs: 200 });
  });
  after(async () => {
    await killAll(workers);
    await s?.close();
  });

  it('refuses early stopping with a WSD schedule at createSweep, in one line naming the field', async () => {
    await assert.rejects(
      launch(s, { ...SPEC, name: 'early-wsd', training: { batchSize: 4, lr: { kind: 'wsd', cooldownFraction: 0.2 } } }),
      grpcError(status.INVALID_ARGUMENT, /eval\.earlyStopping: early stopping cannot be used with lr\.kind wsd \(families transformer\)/),
    );
  });

  it('trains with early stopping through gRPC; the stop is stored with the trial, in results, and in the analysis', async () => {
    const created = await launch(s, SPEC);
    assert.equal(created.trialCount, 2);
    workers.push(spawnWorker(s.coordinator.address, ['--idle-exit-ms', '1500', '--worker-id', 'w0']));
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0], JSON.stringify(workers.map((w) => w.logs.filter((l) => l.level === 'error'))));

    const sweepId = Number((await s.conn.db.selectFrom('sweeps').select('id').where('name', '=', 'early-stopping').executeTakeFirstOrThrow()).id);
    const records = await listTrialRecords(s.conn.db, sweepId);
    const metrics = await sweepMetrics(s.conn.db, sweepId);
    const short = records.find((r) => r.trial.steps === 10)!;
    const long = records.find((r) => r.trial.steps === 200)!;
    for (const r of records) {
      assert.equal(r.status, 'completed', `${r.trial.cellKey}: ${r.error}`);
      assert.deepEqual(r.trial.training.earlyStopping, EARLY, 'the planned trial carries the spec\'s early stopping');
      const st = r.stopping!;
      assert.ok(st, `${r.trial.cellKey} has its stop stored`);
      assert.equal(r.progressStep, st.stoppedStep);
      assert.equal(r.executedFlops, (r.trial.plan.executedFlops * st.stoppedStep) / r.trial.steps, 'executed FLOPs of the steps trained');
      const val = metrics.filter((m) => m.trial_id === r.id && m.split === 'val');
      // evaluations every 5 steps up to the stop (and at the cap), on the whole validation split
      const expected = Array.from({ length: Math.floor(st.stoppedStep / 5) }, (_, i) => (i + 1) * 5);
      if (st.stoppedStep % 5 !== 0) expected.push(st.stoppedStep);
      assert.deepEqual(val.map((m) => m.step), expected, r.trial.cellKey);
      // the stored losses are those of the best evaluation's parameters: its validation loss, and the test point at its step
      const best = val.reduce((a, b) => (b.loss < a.loss ? b : a));
      assert.equal(st.bestStep, best.step);
      assert.equal(r.valLoss, best.loss);
      assert.deepEqual(metrics.filter((m) => m.trial_id === r.id && m.split === 'test').map((m) => [m.step, m.loss]), [[st.bestStep, r.testLoss]]);
    }
    // 10 steps: evaluations at 5 and 10 cannot exhaust a patience of 2: it ran to its cap
    assert.deepEqual([short.stopping!.stoppedStep, short.stopping!.stoppedEarly], [10, false]);
    // 200 steps: stopped early, on the patience rule
    assert.equal(long.stopping!.stoppedEarly, true);
    assert.ok(long.stopping!.stoppedStep < 200, `stopped at ${long.stopping!.stoppedStep}`);
    // (the kept step may be the last evaluation: an improvement below 50% still updates the best, it only does not reset the patience)
    assert.ok(long.stopping!.bestStep <= long.stopping!.stoppedStep && long.stopping!.stoppedStep >= 3 * 5, 'at least 1 + patience evaluations');
    const logged = workers[0]!.logs.filter((l) => l.msg === 'trial completed' && l.earlyStopping);
    assert.equal(logged.length, 2, 'the worker logs the stop with each completion');

    // equiscale results --format json
    const rows = await results(s.conn.url, 'early-stopping');
    const row = rows.find((x) => x.trial_id === long.id)!;
    assert.deepEqual([row.stopped_step, row.best_step, row.stopped_early], [long.stopping!.stoppedStep, long.stopping!.bestStep, true]);
    assert.equal(rows.find((x) => x.trial_id === short.id)!.stopped_early, false);

    // the study analysis: epochs = samples actually seen / training-set size, converged = stopped early
    const study = studyFromRows((await loadStudyRows(s.conn.db, 'early-stopping'))!);
    const runs = new Map(studyInput(study).data.map((r) => [r.trialId, r]));
    assert.deepEqual([runs.get(long.id)!.epochs, runs.get(long.id)!.converged, runs.get(long.id)!.convergedBy], [(long.stopping!.stoppedStep * 4) / 16, true, 'early-stopping']);
    assert.deepEqual([runs.get(short.id)!.epochs, runs.get(short.id)!.converged], [(10 * 4) / 16, false]);
  });
});
