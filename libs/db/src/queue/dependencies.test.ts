import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EquiscaleDb } from '../connect.js';
import { openTestDatabase, syntheticTrialRows } from '../testing.js';
import { createSweep, type TrialRowInput } from '../sweeps/create-sweep.js';
import { cancelSweep } from '../sweeps/sweep-queries.js';
import { claimTrial, type ClaimedTrial } from './claim-trial.js';
import { LeaseLostError } from './lease.js';
import { reportMetrics } from './report-metrics.js';
import { saveCheckpoint } from './save-checkpoint.js';
import { completeTrial, failTrial, releaseTrial, settleFinishedSweeps } from './finish-trial.js';
import { reapExpiredLeases } from './reap-expired-leases.js';

/**
 * One WSD group: a trunk of 8 steps (cheapest, so it is claimed first) and branches at trunk steps `points`.
 * Branch nominal FLOPs are their standalone runs (more than the trunk's), as the planner writes them.
 */
function wsdRows(prefix: string, points: number[] = [2, 4, 8]): TrialRowInput[] {
  const trunkKey = `${prefix}/trunk`;
  const [base] = syntheticTrialRows(1, prefix);
  const trunk: TrialRowInput = {
    ...base!,
    cellKey: trunkKey,
    role: 'trunk',
    steps: 8,
    training: { ...base!.training, checkpointAt: points },
    plan: { ...base!.plan, nominalFlops: 800, spentNominalFlops: 800 },
  };
  const branches = points.map((b): TrialRowInput => ({
    ...base!,
    cellKey: `${prefix}/steps${b + 2}`,
    role: 'branch',
    steps: b + 2,
    branchStep: b,
    parent: trunkKey,
    plan: { ...base!.plan, nominalFlops: 1000 * (b + 2), spentNominalFlops: 200 },
  }));
  return [trunk, ...branches];
}

const done = { outcome: 'completed' as const, steps: 10, trainLoss: 1, valLoss: 2, testLoss: 3, backend: 'cpu', wallTimeS: 1 };
const refOf = (c: ClaimedTrial) => ({ trialId: Number(c.trial.id), leaseToken: c.trial.lease_token! });
const bytes = (step: number) => new Uint8Array([step, step + 1, step + 2]);

describe('trials that depend on trials (WSD trunks and branches) on Postgres', () => {
  let conn: EquiscaleDb;
  before(async () => {
    conn = await openTestDatabase();
  });
  after(async () => conn?.close());

  async function launch(name: string, points?: number[]) {
    const { sweepId } = await createSweep(conn.db, { name, spec: {}, specHash: name, maxAttempts: 2, trials: wsdRows(name, points), extend: false });
    const rows = await conn.db.selectFrom('trials').selectAll().where('sweep_id', '=', sweepId).orderBy('id').execute();
    return { sweepId, trunkId: Number(rows[0]!.id), rows };
  }
  const claim = (w = 'W', ttl = 60_000) => claimTrial(conn.db, { workerId: w, leaseTtlMs: ttl });
  const status = async (id: number) => (await conn.db.selectFrom('trials').select(['status', 'error', 'attempt']).where('id', '=', id).executeTakeFirstOrThrow());

  it('links branches to their trunk; a branch is claimable only once the trunk checkpoint at its step exists, and starts from it', async () => {
    const { trunkId, rows } = await launch('gate');
    assert.deepEqual(rows.map((r) => [r.role, r.parent_id === null ? null : Number(r.parent_id), r.branch_step]), [
      ['trunk', null, null],
      ['branch', trunkId, 2],
      ['branch', trunkId, 4],
      ['branch', trunkId, 8],
    ]);
    const t = (await claim('T'))!;
    assert.equal(Number(t.trial.id), trunkId);
    assert.equal(await claim('X'), null, 'no branch is claimable before the trunk has a checkpoint');
    await saveCheckpoint(conn.db, { ...refOf(t), step: 1, data: bytes(1) });
    assert.equal(await claim('X'), null, 'a checkpoint at another step does not release a branch');
    await saveCheckpoint(conn.db, { ...refOf(t), step: 2, data: bytes(2) });
    const b = (await claim('B'))!;
    assert.equal(b.trial.branch_step, 2);
    assert.deepEqual([Array.from(b.checkpoint!.data), b.checkpoint!.step], [[2, 3, 4], 2], 'first attempt starts from the trunk checkpoint');
    assert.equal(await claim('X'), null, 'the step-4 branch still waits');
    // the branch's own checkpoint wins on its next attempt
    await saveCheckpoint(conn.db, { ...refOf(b), step: 3, data: bytes(30) });
    await releaseTrial(conn.db, { ...refOf(b), reason: 'test' });
    const b2 = (await claim('B'))!;
    assert.equal(Number(b2.trial.id), Number(b.trial.id));
    assert.deepEqual([Array.from(b2.checkpoint!.data), b2.checkpoint!.step], [[30, 31, 32], 3], 'later attempts resume their own checkpoint');
    await completeTrial(conn.db, refOf(b2), done);
    // trunk checkpoints at branch points survive later saves while their branch is unfinished
    await saveCheckpoint(conn.db, { ...refOf(t), step: 4, data: bytes(4) });
    await saveCheckpoint(conn.db, { ...refOf(t), step: 6, data: bytes(6) });
    const kept = await conn.db.selectFrom('checkpoints').select('step').where('trial_id', '=', trunkId).orderBy('step').execute();
    assert.deepEqual(kept.map((k) => k.step), [4, 6], 'step 1 and the finished branch step 2 are dropped; step 4 (pending branch) is kept');
    await saveCheckpoint(conn.db, { ...refOf(t), step: 8, data: bytes(8) });
    await completeTrial(conn.db, refOf(t), done);
    const got = [(await claim('B'))!, (await claim('B'))!];
    assert.deepEqual(got.map((g) => g.checkpoint!.step).sort(), [4, 8]);
    assert.deepEqual(got.map((g) => Array.from(g.checkpoint!.data)[0]).sort(), [4, 8]);
    assert.equal(await claim('X'), null);
  });

  it('a trunk killed mid-run resumes, and its branches still run exactly once, even with concurrent claimers', async () => {
    const { sweepId, trunkId } = await launch('kill', [2, 4, 6, 8]);
    const t1 = (await claim('T1', 50))!;
    assert.equal(Number(t1.trial.id), trunkId);
    await saveCheckpoint(conn.db, { ...refOf(t1), step: 2, data: bytes(2) });
    await saveCheckpoint(conn.db, { ...refOf(t1), step: 3, data: bytes(3) });
    // the worker is SIGKILLed: no release, the lease runs out
    await new Promise((r) => setTimeout(r, 120));
    const branchRuns = new Map<number, number>();
    const run = async (w: string) => {
      for (let i = 0; i < 50; i++) {
        const c = await claim(w);
        if (!c) {
          const open = await conn.db.selectFrom('trials').select('id').where('sweep_id', '=', sweepId).where('status', 'in', ['pending', 'running']).execute();
          if (open.length === 0) return;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const id = Number(c.trial.id);
        if (id === trunkId) {
          assert.equal(c.checkpoint!.step, 3, 'the trunk resumes from its latest checkpoint');
          for (const s of [4, 5, 6, 7, 8]) await saveCheckpoint(conn.db, { ...refOf(c), step: s, data: bytes(s) });
        } else {
          branchRuns.set(id, (branchRuns.get(id) ?? 0) + 1);
          assert.equal(c.checkpoint!.step, c.trial.branch_step);
          assert.equal(Array.from(c.checkpoint!.data)[0], c.trial.branch_step);
        }
        await completeTrial(conn.db, refOf(c), done);
      }
    };
    assert.deepEqual((await reapExpiredLeases(conn.db)).requeued, [trunkId]);
    await Promise.all([run('A'), run('B'), run('C')]);
    assert.equal(branchRuns.size, 4);
    assert.deepEqual([...branchRuns.values()], [1, 1, 1, 1], 'each branch ran once');
    const s = await conn.db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow();
    assert.equal(s.status, 'completed');
  });

  it('fences stale writes of a branch after its lease is taken over', async () => {
    const { trunkId } = await launch('fence', [2]);
    const t = (await claim('T'))!;
    await saveCheckpoint(conn.db, { ...refOf(t), step: 2, data: bytes(2) });
    const a = (await claim('A', 50))!;
    assert.equal(a.trial.branch_step, 2);
    await new Promise((r) => setTimeout(r, 120));
    await reapExpiredLeases(conn.db);
    const b = (await claim('B'))!;
    assert.equal(Number(b.trial.id), Number(a.trial.id));
    assert.equal(b.checkpoint!.step, 2, 'the takeover also starts from the trunk checkpoint');
    const stale = (e: unknown) => e instanceof LeaseLostError && e.state === 'stale-token';
    await assert.rejects(saveCheckpoint(conn.db, { ...refOf(a), step: 3, data: bytes(9) }), stale);
    await assert.rejects(reportMetrics(conn.db, refOf(a), [{ step: 3, split: 'train', loss: 1, samplesSeen: 1, wallTimeS: 1 }]), stale);
    await assert.rejects(completeTrial(conn.db, refOf(a), done), stale);
    await completeTrial(conn.db, refOf(b), done);
    const own = await conn.db.selectFrom('checkpoints').select('id').where('trial_id', '=', Number(a.trial.id)).execute();
    assert.equal(own.length, 0, 'the stale checkpoint was not stored');
    assert.ok(trunkId > 0);
  });

  it('a trunk that fails for good fails the branches it can no longer start, with the reason; the sweep settles', async () => {
    const { sweepId, trunkId, rows } = await launch('fail', [2, 4, 8]);
    const t1 = (await claim('T'))!;
    await saveCheckpoint(conn.db, { ...refOf(t1), step: 2, data: bytes(2) });
    assert.equal(await failTrial(conn.db, { ...refOf(t1), error: 'out of memory', retryable: true }), 'pending');
    const t2 = (await claim('T'))!;
    assert.equal(Number(t2.trial.id), trunkId, 'the trunk (cheapest nominal FLOPs) is claimed before the ready step-2 branch');
    assert.equal(await failTrial(conn.db, { ...refOf(t2), error: 'out of memory again', retryable: true }), 'failed');
    for (const r of rows.slice(2)) {
      const s = await status(Number(r.id));
      assert.equal(s.status, 'failed');
      assert.match(s.error!, new RegExp(`trunk trial ${trunkId} \\(fail/trunk\\) failed: out of memory again before saving its checkpoint at step ${r.branch_step}`));
    }
    assert.equal((await status(Number(rows[1]!.id))).status, 'pending', 'the step-2 branch has its checkpoint and still runs');
    const b = (await claim('B'))!;
    assert.equal(b.trial.branch_step, 2);
    await completeTrial(conn.db, refOf(b), done);
    const s = await conn.db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow();
    assert.equal(s.status, 'completed');
  });

  it('a stranded branch left by a dead coordinator is failed by the reaper pass', async () => {
    const { trunkId, rows } = await launch('strand', [4]);
    const t = (await claim('T'))!;
    // the trunk ends without the branch checkpoint and the coordinator dies before failing the branch
    await conn.db.updateTable('trials').set({ status: 'diverged', lease_token: null, lease_owner: null, lease_expires_at: null }).where('id', '=', Number(t.trial.id)).execute();
    assert.equal((await status(Number(rows[1]!.id))).status, 'pending');
    await settleFinishedSweeps(conn.db);
    const s = await status(Number(rows[1]!.id));
    assert.equal(s.status, 'failed');
    assert.match(s.error!, new RegExp(`trunk trial ${trunkId} \\(strand/trunk\\) diverged`));
  });

  it('cancelling the sweep cancels the trunk and its branches', async () => {
    const { sweepId, rows } = await launch('cancel', [2, 4]);
    const t = (await claim('T'))!;
    await saveCheckpoint(conn.db, { ...refOf(t), step: 2, data: bytes(2) });
    const b = (await claim('B'))!;
    assert.equal(await cancelSweep(conn.db, sweepId), 3);
    for (const r of rows) assert.equal((await status(Number(r.id))).status, 'cancelled');
    await assert.rejects(completeTrial(conn.db, refOf(b), done), (e: unknown) => e instanceof LeaseLostError && e.state === 'cancelled');
    await assert.rejects(saveCheckpoint(conn.db, { ...refOf(t), step: 4, data: bytes(4) }), (e: unknown) => e instanceof LeaseLostError && e.state === 'cancelled');
    assert.equal(await claim('X'), null);
  });

  /** Symmetry cloning: a teacher run of 6 steps (kept checkpoint at 6) and `n` students of it. */
  async function launchClone(name: string, n = 2) {
    const [base] = syntheticTrialRows(1, name);
    const teacher: TrialRowInput = { ...base!, cellKey: `${name}/teacher`, steps: 6, training: { ...base!.training, checkpointAt: [6] }, plan: { ...base!.plan, nominalFlops: 100 } };
    const students = Array.from({ length: n }, (_, i): TrialRowInput => ({
      ...base!,
      cellKey: `${name}/student${i}`,
      role: 'student',
      steps: 6,
      parent: teacher.cellKey,
      branchStep: 6,
      training: { ...base!.training, checkpointAt: [], cloneSteps: 3 },
      // cheaper than the teacher: claimed first if the dependency were not enforced
      plan: { ...base!.plan, nominalFlops: 10 + i, teacherNominalFlops: 100 / n },
    }));
    const { sweepId } = await createSweep(conn.db, { name, spec: {}, specHash: name, maxAttempts: 2, trials: [teacher, ...students], extend: false });
    const rows = await conn.db.selectFrom('trials').selectAll().where('sweep_id', '=', sweepId).orderBy('id').execute();
    return { sweepId, teacherId: Number(rows[0]!.id), rows };
  }

  it('a student (symmetry cloning) waits for its teacher to complete, gets its last checkpoint as the teacher, and resumes only its own', async () => {
    const { sweepId, teacherId, rows } = await launchClone('clone');
    assert.deepEqual(rows.map((r) => [r.role, r.parent_id === null ? null : Number(r.parent_id), r.branch_step]), [
      ['run', null, null],
      ['student', teacherId, 6],
      ['student', teacherId, 6],
    ]);
    const t = (await claim('T'))!;
    assert.equal(Number(t.trial.id), teacherId, 'the students are cheaper but wait');
    assert.equal(t.teacher, null);
    await saveCheckpoint(conn.db, { ...refOf(t), step: 6, data: bytes(6) });
    assert.equal(await claim('X'), null, 'the teacher checkpoint exists but the teacher has not completed');
    await completeTrial(conn.db, refOf(t), done);
    const s1 = (await claim('S'))!;
    assert.equal(s1.trial.role, 'student');
    assert.equal(s1.checkpoint, null, 'a student never resumes from its teacher');
    assert.deepEqual([Array.from(s1.teacher!.data), s1.teacher!.step], [[6, 7, 8], 6]);
    // its own checkpoint on the next attempt, and the teacher again
    await saveCheckpoint(conn.db, { ...refOf(s1), step: 2, data: bytes(20) });
    await releaseTrial(conn.db, { ...refOf(s1), reason: 'test' });
    const again = [(await claim('S'))!, (await claim('S'))!];
    const s1b = again.find((c) => Number(c.trial.id) === Number(s1.trial.id))!;
    assert.deepEqual([Array.from(s1b.checkpoint!.data), s1b.checkpoint!.step], [[20, 21, 22], 2]);
    assert.deepEqual(Array.from(s1b.teacher!.data), [6, 7, 8]);
    for (const c of again) await completeTrial(conn.db, refOf(c), done);
    const kept = await conn.db.selectFrom('checkpoints').select('step').where('trial_id', '=', teacherId).execute();
    assert.deepEqual(kept.map((k) => k.step), [6], 'the teacher keeps its last checkpoint');
    assert.equal((await conn.db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow()).status, 'completed');
  });

  it('a teacher that diverges or fails fails its students with the reason (even with a checkpoint at its last step); the sweep settles', async () => {
    const { sweepId, teacherId, rows } = await launchClone('clone-bad');
    const t = (await claim('T'))!;
    await saveCheckpoint(conn.db, { ...refOf(t), step: 6, data: bytes(6) });
    await completeTrial(conn.db, refOf(t), { ...done, outcome: 'diverged', testLoss: null, valLoss: null, error: 'training loss is NaN at step 6' });
    for (const r of rows.slice(1)) {
      const st = await status(Number(r.id));
      assert.equal(st.status, 'failed');
      assert.match(st.error!, new RegExp(`^teacher trial ${teacherId} \\(clone-bad/teacher\\) diverged: training loss is NaN at step 6, so this student has no trained teacher to imitate$`));
    }
    assert.equal(await claim('X'), null);
    assert.equal((await conn.db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow()).status, 'completed');
  });

  it('refuses a branch whose trunk key is not in the sweep', async () => {
    const rows = wsdRows('orphan', [2]).slice(1);
    await assert.rejects(
      createSweep(conn.db, { name: 'orphan', spec: {}, specHash: 'o', maxAttempts: 2, trials: rows, extend: false }),
      /branch orphan\/steps4 has no trunk trial/,
    );
    const s = await conn.db.selectFrom('sweeps').select('id').where('name', '=', 'orphan').execute();
    assert.equal(s.length, 0, 'nothing was created');
  });
});
