/**
 * trainWeightSpaceTrial: one trial on the weight-space benchmark, with libs/models' training machinery (Adam on a
 * Float32 master copy, lr schedules, seeded epoch order, checkpoint format). Per step: next batch (DataOrder) ->
 * for `mlp+permute` one random hidden-neuron permutation per INR (keyed by trial seed, step, position) -> MSE over
 * targets and gradients -> finite check -> global-norm clipping -> Adam. A non-finite loss or gradient ends the
 * trial as `diverged` (never throws); a bad config throws one line naming the field.
 */
import * as tf from '@tensorflow/tfjs';
import type { BenchmarkTrial, MetricPoint, TrainCallbacks, TrialResult } from '@equiscale/benchmark';
import {
  adamUpdate,
  checkSchedule,
  DataOrder,
  deserializeCheckpoint,
  globalNorm,
  learningRate,
  newAdamState,
  readParams,
  serializeCheckpoint,
  writeParams,
  type AdamState,
  type CheckpointHeader,
} from '@equiscale/models';
import { familyArch, type WeightSpaceDims, type WeightSpaceShapes } from '../accounting.js';
import { gatherWeightSpaceExamples, sliceWeightSpaceExamples } from '../examples.js';
import type { WeightSpaceExamples } from '../generate.js';
import { augmentByPermutation } from '../group.js';
import { createWeightSpaceNet, inputStats, type WeightSpaceNet } from '../nets/index.js';

export type WeightSpaceTrial = BenchmarkTrial<WeightSpaceDims>;
export interface WeightSpaceData {
  train: WeightSpaceExamples;
  val: WeightSpaceExamples;
  test: WeightSpaceExamples;
}

function checkTrial(c: WeightSpaceTrial): void {
  const posInt = (x: number) => Number.isInteger(x) && x >= 1;
  const nonNeg = (x: number) => Number.isInteger(x) && x >= 0;
  const arch = familyArch(c.family); // throws for an unknown family
  if (!c.dims || c.dims.arch !== arch) throw new Error(`trial.dims.arch must be "${arch}" for family ${c.family} (got ${JSON.stringify(c.dims?.arch)})`);
  if (!posInt(c.steps)) throw new Error(`trial.steps must be a positive integer (got ${c.steps})`);
  if (!posInt(c.batchSize)) throw new Error(`trial.batchSize must be a positive integer (got ${c.batchSize})`);
  if (!(c.gradClip >= 0)) throw new Error(`trial.gradClip must be >= 0 (0 disables; got ${c.gradClip})`);
  if (!nonNeg(c.evalEvery)) throw new Error(`trial.evalEvery must be an integer >= 0 (got ${c.evalEvery})`);
  if (!posInt(c.evalExamples)) throw new Error(`trial.evalExamples must be a positive integer (got ${c.evalExamples})`);
  if (!nonNeg(c.checkpointEvery)) throw new Error(`trial.checkpointEvery must be an integer >= 0 (got ${c.checkpointEvery})`);
  if (!Number.isInteger(c.seed)) throw new Error(`trial.seed must be an integer (got ${c.seed})`);
  if (c.logEvery !== undefined && !posInt(c.logEvery)) throw new Error(`trial.logEvery must be a positive integer (got ${c.logEvery})`);
  checkSchedule(c.lr, c.steps);
}

function targetsTensor(ex: WeightSpaceExamples): tf.Tensor2D {
  return tf.tensor2d(ex.targets, [ex.count, ex.targetNames.length]);
}

/** Per-target MSE of the net on the first `limit` examples, in chunks. */
export function evaluateWeightSpaceLossPerTarget(net: WeightSpaceNet, ex: WeightSpaceExamples, limit = ex.count, chunk = 128): number[] {
  const n = Math.min(limit, ex.count);
  const T = ex.targetNames.length;
  const sum = new Array<number>(T).fill(0);
  for (let start = 0; start < n; start += chunk) {
    const part = sliceWeightSpaceExamples(ex, start, Math.min(n, start + chunk) - start);
    const s = tf.tidy(() => tf.sum(tf.square(tf.sub(net.predict(part), targetsTensor(part))), 0));
    const v = s.dataSync();
    for (let t = 0; t < T; t++) sum[t] += v[t];
    s.dispose();
  }
  return sum.map((x) => (n === 0 ? 0 : x / n));
}

/** MSE (mean over examples and targets) of the net on the first `limit` examples. */
export function evaluateWeightSpaceLoss(net: WeightSpaceNet, ex: WeightSpaceExamples, limit = ex.count, chunk = 128): number {
  const per = evaluateWeightSpaceLossPerTarget(net, ex, limit, chunk);
  return per.reduce((a, b) => a + b, 0) / per.length;
}

/** The benchmark's TrialResult plus the final val and test MSE of each target (targetNames order) when completed. */
export interface WeightSpaceTrialResult extends TrialResult<WeightSpaceDims> {
  perTarget?: { names: string[]; val: number[]; test: number[] };
}

export async function trainWeightSpaceTrial(
  trial: WeightSpaceTrial,
  data: WeightSpaceData,
  cb: TrainCallbacks = {},
  resume?: Uint8Array,
): Promise<WeightSpaceTrialResult> {
  checkTrial(trial);
  for (const s of ['train', 'val', 'test'] as const) {
    const ex = data[s];
    if (!ex || !(ex.params instanceof Float32Array)) throw new Error(`data.${s} must be WeightSpaceExamples`);
    if (ex.sizes.join() !== data.train.sizes.join() || ex.targetNames.join() !== data.train.targetNames.join()) {
      throw new Error(`data.${s} holds INRs ${ex.sizes.join('-')} with targets ${ex.targetNames.join(',')}, unlike data.train`);
    }
  }
  if (data.train.count === 0) throw new Error('data.train must hold at least one INR');
  const shapes: WeightSpaceShapes = { sizes: data.train.sizes.slice(), targetCount: data.train.targetNames.length };
  const net = createWeightSpaceNet(trial.family, trial.dims, shapes, trial.seed, inputStats(data.train));
  try {
    return await run(trial, data, cb, resume, net, shapes);
  } finally {
    net.dispose();
  }
}

async function run(
  c: WeightSpaceTrial,
  data: WeightSpaceData,
  cb: TrainCallbacks,
  resume: Uint8Array | undefined,
  net: WeightSpaceNet,
  shapes: WeightSpaceShapes,
): Promise<WeightSpaceTrialResult> {
  const backend = tf.getBackend();
  const paramShapes = net.variables.map((v) => v.shape.slice());
  let params: Float32Array;
  let adam: AdamState;
  let step = 0;
  let order: DataOrder;
  let lastTrainLoss: number | null = null;
  if (resume) {
    const ck = deserializeCheckpoint(resume);
    const h = ck.header as unknown as CheckpointHeader & { family: string; dims: WeightSpaceDims };
    const canon = (o: object) => JSON.stringify(o, Object.keys(o).sort());
    if (h.family !== c.family || canon(h.dims) !== canon(c.dims) || JSON.stringify(h.paramShapes) !== JSON.stringify(paramShapes)) {
      throw new Error(`checkpoint is for ${h.family} ${JSON.stringify(h.dims)}, the trial is ${c.family} ${JSON.stringify(c.dims)}: resume with the same trial`);
    }
    if (h.seed !== c.seed || h.batchSize !== c.batchSize || h.trainCount !== data.train.count) {
      throw new Error(`checkpoint was written with seed=${h.seed}, batchSize=${h.batchSize}, trainCount=${h.trainCount}; the trial differs: resume with the same trial`);
    }
    params = ck.params;
    adam = { m: ck.m, v: ck.v, t: h.adamT };
    step = h.step;
    order = new DataOrder(data.train.count, c.seed, h.data);
    lastTrainLoss = h.lastTrainLoss;
    writeParams(net, params);
  } else {
    params = readParams(net);
    adam = newAdamState(params.length);
    order = new DataOrder(data.train.count, c.seed);
  }
  const started = performance.now();
  const logEvery = c.logEvery ?? Math.max(1, Math.round(c.steps / 200));
  let pending: MetricPoint[] = [];
  const flush = async () => {
    if (pending.length && cb.onMetrics) await cb.onMetrics(pending);
    pending = [];
  };
  const point = (split: MetricPoint['split'], loss: number): MetricPoint => ({
    step,
    split,
    loss,
    samplesSeen: step * c.batchSize,
    wallTimeS: (performance.now() - started) / 1000,
  });
  const checkpoint = async () => {
    if (!cb.onCheckpoint) return;
    const header = {
      version: 1,
      family: c.family,
      dims: c.dims,
      shapes,
      paramShapes,
      step,
      adamT: adam.t,
      data: order.position,
      seed: c.seed,
      batchSize: c.batchSize,
      trainCount: data.train.count,
      lastTrainLoss,
    } as unknown as CheckpointHeader;
    await cb.onCheckpoint(serializeCheckpoint({ header, params, m: adam.m, v: adam.v }), step);
  };
  const outcome = (status: TrialResult<WeightSpaceDims>['status'], valLoss: number | null, testLoss: number | null, error?: string): TrialResult<WeightSpaceDims> => ({
    status,
    step,
    trainLoss: lastTrainLoss,
    valLoss,
    testLoss,
    backend,
    summary: net.summary,
    ...(error ? { error } : {}),
  });
  let windowSum = 0;
  let windowCount = 0;
  while (step < c.steps) {
    let batch = gatherWeightSpaceExamples(data.train, order.next(c.batchSize));
    if (c.family === 'mlp+permute') batch = augmentByPermutation(batch, c.seed, step);
    const denom = batch.count * batch.targetNames.length;
    const { value, grads } = tf.variableGrads(
      () => tf.div(tf.sum(tf.square(tf.sub(net.predict(batch), targetsTensor(batch)))), denom) as tf.Scalar,
      net.variables,
    );
    const flat = tf.tidy(() => tf.concat(net.variables.map((v) => tf.reshape(grads[v.name], [-1]))));
    const loss = value.dataSync()[0];
    const grad = flat.dataSync() as Float32Array;
    value.dispose();
    flat.dispose();
    tf.dispose(grads);
    const norm = globalNorm(grad);
    if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
      await flush();
      const what = !Number.isFinite(loss) ? `training loss is ${loss}` : `gradient norm is ${norm}`;
      return outcome('diverged', null, null, `${what} at step ${step + 1} (lr ${learningRate(c.lr, step + 1, c.steps)})`);
    }
    adamUpdate(params, grad, adam, learningRate(c.lr, step + 1, c.steps), c.gradClip > 0 && norm > c.gradClip ? c.gradClip / norm : 1);
    writeParams(net, params);
    step++;
    windowSum += loss;
    windowCount++;
    if (windowCount >= logEvery || step === c.steps) {
      lastTrainLoss = windowSum / windowCount;
      pending.push(point('train', lastTrainLoss));
      windowSum = 0;
      windowCount = 0;
    }
    cb.onProgress?.(step, c.steps);
    if (c.evalEvery > 0 && step % c.evalEvery === 0 && step < c.steps) {
      pending.push(point('val', evaluateWeightSpaceLoss(net, data.val, c.evalExamples)));
      await flush();
    }
    if (pending.length >= 50) await flush();
    if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0) {
      await flush();
      await checkpoint();
    }
    if (step < c.steps && cb.shouldStop?.()) {
      if (windowCount > 0) {
        lastTrainLoss = windowSum / windowCount;
        pending.push(point('train', lastTrainLoss));
      }
      await flush();
      if (!(c.checkpointEvery > 0 && step % c.checkpointEvery === 0)) await checkpoint();
      return outcome('stopped', null, null);
    }
  }
  const valPer = evaluateWeightSpaceLossPerTarget(net, data.val);
  const testPer = evaluateWeightSpaceLossPerTarget(net, data.test);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const valLoss = data.val.count === 0 ? 0 : mean(valPer);
  const testLoss = data.test.count === 0 ? 0 : mean(testPer);
  pending.push(point('val', valLoss), point('test', testLoss));
  await flush();
  if (!Number.isFinite(valLoss) || !Number.isFinite(testLoss)) {
    return outcome('diverged', valLoss, testLoss, `final evaluation is not finite (val ${valLoss}, test ${testLoss}) after step ${step}`);
  }
  return { ...outcome('completed', valLoss, testLoss), perTarget: { names: data.train.targetNames.slice(), val: valPer, test: testPer } };
}
