/**
 * Issue 16: a sweep with every family (the existing ones plus gatr+approx, transformer+lps and transformer+clone)
 * runs end to end through gRPC on real training, with tiny sizes; the stored trials carry the families' options,
 * the worker builds exactly the planned models (the coordinator checks the parameter count), every cloning student
 * starts only after its gatr teacher completed and imitates it, the symmetry measurements are stored, and the report
 * lists every family (cloning with and without its teacher's share). A student without a teacher is refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { loadStudyRows } from '@equiscale/db';
import { writeStudyReport, studyFromRows } from '@equiscale/study';
import { grpcError, killAll, launch, spawnWorker, startStack, tinySpec, warmDatasetCache, type Stack, type WorkerProcess } from './helpers.js';

const FAMILIES = ['transformer', 'transformer+augment', 'transformer+augment-task', 'gatr', 'gatr+approx', 'transformer+lps', 'transformer+clone'];
const spec = (over: Record<string, unknown> = {}) =>
  tinySpec({
    name: 'symmetry-families',
    families: FAMILIES,
    modelSizes: [{ label: 'xs', dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 2 }, gatr: { mvChannels: 2, sChannels: 4, blocks: 1, heads: 1 } } }],
    steps: [4],
    seeds: [0, 1],
    familyOptions: { 'gatr+approx': { inputs: 1 }, 'transformer+lps': { samples: 2, hidden: 4, noise: 2 }, 'transformer+clone': { fraction: 0.5 } },
    ...over,
  });

describe('a sweep with every schedulable symmetry family', () => {
  let s: Stack;
  const workers: WorkerProcess[] = [];
  const out = mkdtempSync(join(tmpdir(), 'equiscale-families-report-'));
  before(async () => {
    await warmDatasetCache(spec());
    s = await startStack({ leaseTtlMs: 10_000, heartbeatIntervalMs: 1_000, reapIntervalMs: 500, idleRetryMs: 200 });
  });
  after(async () => {
    await killAll(workers);
    await s?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('refuses transformer+clone without gatr at createSweep with one line naming the field', async () => {
    await assert.rejects(
      launch(s, spec({ name: 'clone', families: ['transformer', 'transformer+clone'] })),
      grpcError(status.INVALID_ARGUMENT, /families\[1\]: transformer\+clone needs a gatr trial of the same model size, training-set size and seed as its teacher/),
    );
  });

  it('trains every family through gRPC; stored trials carry the options; the report lists every family', async () => {
    const created = await launch(s, spec());
    assert.equal(created.trialCount, FAMILIES.length * 2);
    workers.push(spawnWorker(s.coordinator.address, ['--idle-exit-ms', '1500', '--worker-id', 'w0']));
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0], JSON.stringify(workers.map((w) => w.logs.filter((l) => l.level === 'error'))));

    const rows = (await loadStudyRows(s.conn.db, 'symmetry-families'))!;
    assert.equal(rows.trials.length, FAMILIES.length * 2);
    for (const r of rows.trials) {
      assert.equal(r.status, 'completed', `${r.trial.cellKey}: ${r.error}`);
      assert.ok(Number.isFinite(r.testLoss) && r.testLoss! > 0, `${r.trial.cellKey} has a test loss`);
    }
    const one = (f: string) => rows.trials.find((r) => r.trial.family === f)!.trial;
    assert.deepEqual(one('transformer+lps').dims.transformer!.lps, { samples: 2, hidden: 4, noise: 2 });
    assert.equal(one('gatr+approx').dims.gatr!.approxInputs, 1);
    assert.equal(one('gatr').dims.gatr!.approxInputs, undefined);
    assert.equal(one('transformer').dims.transformer!.lps, undefined);
    // the planned FLOPs count the lps frames (k base passes) and the approx inputs
    assert.ok(one('transformer+lps').plan.nominalFlopsPerSample > 2 * one('transformer').plan.nominalFlopsPerSample);
    assert.ok(one('gatr+approx').plan.paramCount > one('gatr').plan.paramCount);

    // gatr+approx measures its exact model (fixed inputs off), stored with the trial
    for (const r of rows.trials.filter((t) => t.trial.family === 'gatr+approx')) {
      assert.ok(Number.isFinite(r.symmetry?.exactTestLoss) && r.symmetry!.exactTestLoss! > 0, `${r.trial.cellKey}: ${JSON.stringify(r.symmetry)}`);
    }
    assert.equal(rows.trials.find((t) => t.trial.family === 'gatr')!.symmetry, null);

    // every student imitated the gatr trial of its seed, claimed only after that teacher completed
    const logs = workers[0]!.logs;
    const at = (msg: string, cell: string) => logs.findIndex((l) => l.msg === msg && l.cell === cell);
    for (const st of rows.trials.filter((t) => t.trial.family === 'transformer+clone')) {
      const teacher = rows.trials.find((t) => t.id === st.parentId)!;
      assert.equal(st.trial.role, 'student');
      assert.equal(teacher.trial.cellKey, `gatr/xs/steps4/n${st.trial.trainSize}/seed${st.trial.seed}`);
      assert.equal(st.trial.training.cloneSteps, 2);
      assert.ok(at('trial completed', teacher.trial.cellKey) >= 0 && at('trial completed', teacher.trial.cellKey) < at('trial claimed', st.trial.cellKey), `${st.trial.cellKey} started after its teacher completed`);
      // cloning is learned, not exact: its equivariance error is measured and stored
      const m = st.symmetry!;
      assert.ok(Number.isFinite(m.equivarianceErrorAfterClone) && m.equivarianceErrorAfterClone! > 1e-4, JSON.stringify(m));
      assert.ok(Number.isFinite(m.equivarianceErrorFinal) && m.teacherInferenceFlops! > 0, JSON.stringify(m));
      assert.ok(st.trial.plan.teacherNominalFlops === teacher.trial.plan.nominalFlops);
    }

    const { report } = await writeStudyReport(studyFromRows(rows), out, { bootstrap: 0, seed: 0 });
    // every family is in report.json: fitted (with its run count) or listed among the failures with the reason
    const json = JSON.parse(readFileSync(report.json!, 'utf8')) as { fits: { family: string; runs: number }[]; failures: { family: string; problem: string }[] };
    const named = new Set([...json.fits.map((f) => f.family), ...json.failures.map((f) => f.family)]);
    assert.deepEqual([...named].sort(), [...FAMILIES, 'transformer+clone (with teacher)'].sort());
    for (const f of json.fits) assert.equal(f.runs, 2, f.family);
    for (const f of json.failures) assert.ok(f.problem.length > 10, `${f.family}: ${f.problem}`);
    const md = readFileSync(report.markdown, 'utf8');
    for (const f of FAMILIES) assert.ok(md.includes(f), `report.md mentions ${f}`);
    assert.match(md, /## Symmetry measurements[^#]*transformer\+clone \| relative equivariance error after cloning/);
    const sym = (JSON.parse(readFileSync(report.json!, 'utf8')) as { symmetry: { family: string }[] }).symmetry;
    assert.deepEqual(sym.map((x) => x.family).sort(), ['gatr+approx', 'transformer+clone']);
  });
});
