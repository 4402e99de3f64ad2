/** transformer+clone at the training level: a transformer imitates a trained GATr teacher, then fine-tunes on labels. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { TrialConfig, TrialData } from '../api.js';
import { initBackend } from '../backend/init.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { summarize } from '../ladder.js';
import { cloneCompute } from '../symmetry-accounting.js';
import { deserializeCheckpoint } from './checkpoint.js';
import { createNet } from './nets.js';
import { trainTrial } from './trainer.js';

before(async () => {
  await initBackend('cpu');
});

const mk = (count: number, seed: number) => makeFixtureExamples({ count, maxBodies: 3, maxVerts: 4, seed });
const data: TrialData = { train: mk(64, 1), val: mk(32, 2), test: mk(16, 3) };
const lr = { peak: 1e-2, kind: 'cosine' as const, warmupSteps: 2, minRatio: 0.1, cooldownFraction: 0 };
const base = { augment: false, batchSize: 8, lr, gradClip: 1, evalEvery: 0, evalExamples: 16, checkpointEvery: 0, seed: 5 };
const teacherConfig: TrialConfig = { ...base, family: 'gatr', dims: { family: 'gatr', mvChannels: 2, sChannels: 4, blocks: 1, heads: 1 }, steps: 4, checkpointEvery: 4 };
const student = (over: Partial<TrialConfig>): TrialConfig => ({
  ...base,
  family: 'transformer',
  dims: { family: 'transformer', width: 16, depth: 1, heads: 2, mlpRatio: 2 },
  steps: 40,
  ...over,
});

/** Mean squared distance between the predictions of a trained student (rebuilt from its checkpoint) and the teacher's. */
function distanceToTeacher(studentCk: Uint8Array, teacherCk: Uint8Array): number {
  const nets = [studentCk, teacherCk].map((b) => {
    const ck = deserializeCheckpoint(b);
    const net = createNet(ck.header.dims, ck.header.shapes, ck.header.seed, ck.header.motionGain);
    let off = 0;
    for (const v of net.variables) {
      v.assign(tf.tensor(ck.params.slice(off, off + v.size), v.shape));
      off += v.size;
    }
    return net;
  });
  const d = tf.tidy(() => tf.mean(tf.square(tf.sub(nets[0]!.predict(data.val), nets[1]!.predict(data.val)))).dataSync()[0]!);
  nets.forEach((n) => n.dispose());
  return d;
}

test('transformer+clone: needs a teacher, imitates it during cloning, reports its equivariance error and the teacher compute', async () => {
  let teacherCk: Uint8Array | undefined;
  const t = await trainTrial(teacherConfig, data, { onCheckpoint: (c) => void (teacherCk = c) });
  assert.equal(t.status, 'completed');
  assert.ok(teacherCk);
  assert.equal(typeof deserializeCheckpoint(teacherCk).header.motionGain, 'number');

  const cloneAll = student({ clone: { steps: 40 }, checkpointEvery: 40 });
  await assert.rejects(trainTrial(cloneAll, data), /config\.clone is set but no teacher was given/);
  await assert.rejects(trainTrial(student({ clone: { steps: 41 } }), data, {}, undefined, { teacher: teacherCk }), /config\.clone\.steps must be an integer in \[1, steps = 40\]/);

  let clonedCk: Uint8Array | undefined;
  const cloned = await trainTrial(cloneAll, data, { onCheckpoint: (c) => void (clonedCk = c) }, undefined, { teacher: teacherCk });
  let plainCk: Uint8Array | undefined;
  const plain = await trainTrial(student({ checkpointEvery: 40 }), data, { onCheckpoint: (c) => void (plainCk = c) });
  assert.equal(cloned.status, 'completed');
  const s = cloned.symmetry!;
  assert.ok(s.equivarianceErrorAfterClone! > 0 && Number.isFinite(s.equivarianceErrorAfterClone!), `after clone ${s.equivarianceErrorAfterClone}`);
  assert.ok(Number.isFinite(s.equivarianceErrorFinal!));
  const teacherSummary = summarize(teacherConfig.dims, { maxBodies: 3, maxVerts: 4, bodyFeatureCount: 3 });
  assert.equal(s.teacherInferenceFlops, (teacherSummary.nominalFlopsPerSample / 3) * 8 * 40);
  assert.equal(plain.symmetry, undefined);
  // the cloned student is closer to the teacher than the student trained on the labels
  const dc = distanceToTeacher(clonedCk!, teacherCk);
  const dp = distanceToTeacher(plainCk!, teacherCk);
  assert.ok(dc < 0.5 * dp, `distance to the teacher: cloned ${dc}, trained on labels ${dp}`);
});

test('cloneCompute: own training + teacher forwards, plus the teacher training share', () => {
  const c = cloneCompute({
    student: { nominalFlopsPerSample: 600, executedFlopsPerSample: 900 },
    teacher: { nominalFlopsPerSample: 3000, executedFlopsPerSample: 6000 },
    steps: 10,
    batchSize: 4,
    cloneSteps: 5,
    teacherTraining: { nominal: 1e6, executed: 2e6 },
    studentsPerTeacher: 4,
  });
  assert.deepEqual(c.teacherInference, { nominal: 1000 * 20, executed: 2000 * 20 });
  assert.equal(c.nominal, 600 * 40 + 20000);
  assert.equal(c.nominalWithTeacher, 600 * 40 + 20000 + 250000);
  assert.equal(c.executedWithTeacher, 900 * 40 + 40000 + 500000);
  assert.throws(() => cloneCompute({ ...{ student: { nominalFlopsPerSample: 1, executedFlopsPerSample: 1 }, teacher: { nominalFlopsPerSample: 1, executedFlopsPerSample: 1 } }, steps: 2, batchSize: 1, cloneSteps: 3, teacherTraining: { nominal: 0, executed: 0 }, studentsPerTeacher: 1 }), /clone steps must be an integer/);
});

test('gatr+approx reports its loss with the symmetry-breaking inputs off; transformer+lps learns and resumes bit for bit', async () => {
  const approx = await trainTrial({ ...teacherConfig, dims: { ...teacherConfig.dims, approxInputs: 2 } as TrialConfig['dims'], checkpointEvery: 0, steps: 6 }, data);
  assert.equal(approx.status, 'completed');
  const s = approx.symmetry!;
  assert.ok(Number.isFinite(s.exactValLoss!) && Number.isFinite(s.exactTestLoss!));
  assert.notEqual(s.exactValLoss, approx.valLoss, 'the fixed inputs moved, so switching them off changes the loss');

  const lpsDims = { family: 'transformer' as const, width: 16, depth: 1, heads: 2, mlpRatio: 2, lps: { samples: 2, hidden: 16, noise: 4 } };
  const losses: number[] = [];
  const c = student({ dims: lpsDims, steps: 30, evalEvery: 10, evalExamples: 32 });
  const out = await trainTrial(c, data, { onMetrics: (p) => void losses.push(...p.filter((m) => m.split === 'val').map((m) => m.loss)) });
  assert.equal(out.status, 'completed');
  assert.ok(losses[losses.length - 1]! < losses[0]!, `val losses ${losses.join(', ')}`);
  // resume after 10 steps equals the straight run (the noise is a function of the seed and the step)
  const short = { ...c, steps: 12, evalEvery: 0, checkpointEvery: 6 };
  const straight: Uint8Array[] = [];
  await trainTrial(short, data, { onCheckpoint: (k) => void straight.push(k) });
  let stopped: Uint8Array | undefined;
  let n = 0;
  await trainTrial({ ...short, checkpointEvery: 0 }, data, { onCheckpoint: (k) => void (stopped = k), shouldStop: () => ++n >= 6 });
  const resumed: Uint8Array[] = [];
  await trainTrial(short, data, { onCheckpoint: (k) => void resumed.push(k) }, stopped);
  assert.deepEqual(deserializeCheckpoint(resumed[resumed.length - 1]!).params, deserializeCheckpoint(straight[straight.length - 1]!).params);
});
