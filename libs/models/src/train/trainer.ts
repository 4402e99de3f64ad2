/**
 * trainTrial: trains one trial (no gRPC, no database) and reports through callbacks.
 *
 * Per step: next batch indices (seeded epoch permutation) -> copy the batch -> optional E(3) augmentation
 * (seeded by (seed, step)) -> loss and gradients with tf.variableGrads -> one flat gradient read back ->
 * finite check -> global-norm clipping -> Adam in TypeScript on the master copy -> variables re-assigned.
 * A non-finite loss or gradient ends the trial with status "diverged" (never throws).
 * The net is built with the constant-velocity gain fitted on the training set (motion-baseline.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, randomE3, type Examples } from '@equiscale/rigid-body';
import type { EarlyStoppingOptions, EarlyStoppingReport, MetricPoint, SymmetryReport, TrainCallbacks, TrialConfig, TrialData, TrialOutcome } from '../api.js';
import { benchmarkEquivarianceError } from '../gatr/equivariance.js';
import type { Net } from '../task/net.js';
import { augmentBatch } from '../task/augment.js';
import { gatherExamples } from '@equiscale/rigid-body';
import { checkNamedExamples, shapesOf } from '../task/examples.js';
import { adamUpdate, globalNorm, newAdamState, type AdamState } from './adam.js';
import { checkCheckpointMatches, deserializeCheckpoint, serializeCheckpoint, type CheckpointHeader, type EarlyStoppingState } from './checkpoint.js';
import { DataOrder } from './data-order.js';
import { readParams, writeParams } from './flat-params.js';
import { coordMask, evaluateLoss, maskedSquaredError } from './evaluate.js';
import { fitMotionGain } from './motion-baseline.js';
import { createNet } from './nets.js';
import { backendLabel } from '../backend/native-blas.js';
import type { GatrModelOptions } from '../gatr/rigid-body-model.js';
import { checkSchedule, learningRate } from './schedule.js';

const METRIC_FLUSH = 50;

export function checkConfig(c: TrialConfig): void {
  const posInt = (x: number) => Number.isInteger(x) && x >= 1;
  const nonNegInt = (x: number) => Number.isInteger(x) && x >= 0;
  if (c.family !== 'transformer' && c.family !== 'gatr') {
    throw new Error(`config.family must be "transformer" or "gatr" (got "${String(c.family)}")`);
  }
  if (!c.dims || c.dims.family !== c.family) {
    throw new Error(`config.dims.family ("${c.dims?.family}") must equal config.family ("${c.family}")`);
  }
  if (c.augment && c.family !== 'transformer') throw new Error('config.augment is only meaningful for family "transformer"');
  if (c.augmentGroup !== undefined && c.augmentGroup !== 'e3' && c.augmentGroup !== 'task') {
    throw new Error(`config.augmentGroup must be "e3" or "task" (got ${JSON.stringify(c.augmentGroup)})`);
  }
  if (!posInt(c.steps)) throw new Error(`config.steps must be a positive integer (got ${c.steps})`);
  if (!posInt(c.batchSize)) throw new Error(`config.batchSize must be a positive integer (got ${c.batchSize})`);
  if (!(c.gradClip >= 0)) throw new Error(`config.gradClip must be >= 0 (0 disables; got ${c.gradClip})`);
  if (!nonNegInt(c.evalEvery)) throw new Error(`config.evalEvery must be an integer >= 0 (got ${c.evalEvery})`);
  if (!posInt(c.evalExamples)) throw new Error(`config.evalExamples must be a positive integer (got ${c.evalExamples})`);
  if (!nonNegInt(c.checkpointEvery)) throw new Error(`config.checkpointEvery must be an integer >= 0 (got ${c.checkpointEvery})`);
  if (!Number.isInteger(c.seed)) throw new Error(`config.seed must be an integer (got ${c.seed})`);
  if (c.checkpointAt !== undefined && !(Array.isArray(c.checkpointAt) && c.checkpointAt.every(posInt))) {
    throw new Error(`config.checkpointAt must be a list of positive step numbers (got ${JSON.stringify(c.checkpointAt)})`);
  }
  if (c.logEvery !== undefined && !posInt(c.logEvery)) throw new Error(`config.logEvery must be a positive integer (got ${c.logEvery})`);
  if (c.clone !== undefined) {
    if (c.family !== 'transformer') throw new Error('config.clone (symmetry cloning) is only meaningful for family "transformer"');
    if (!(Number.isInteger(c.clone.steps) && c.clone.steps >= 1 && c.clone.steps <= c.steps)) {
      throw new Error(`config.clone.steps must be an integer in [1, steps = ${c.steps}] (got ${JSON.stringify(c.clone.steps)})`);
    }
  }
  if (c.earlyStopping !== undefined) {
    const es = c.earlyStopping as Partial<EarlyStoppingOptions> | null;
    if (es === null || typeof es !== 'object') throw new Error(`config.earlyStopping must be { patience, minImprovement } (got ${JSON.stringify(es)})`);
    if (!posInt(es.patience as number)) throw new Error(`config.earlyStopping.patience must be a positive integer number of evaluations (got ${JSON.stringify(es.patience)})`);
    if (!(typeof es.minImprovement === 'number' && es.minImprovement >= 0 && es.minImprovement < 1)) {
      throw new Error(`config.earlyStopping.minImprovement must be a relative improvement in [0, 1), e.g. 0.01 (got ${JSON.stringify(es.minImprovement)})`);
    }
    if (c.evalEvery === 0) throw new Error('config.earlyStopping needs config.evalEvery > 0: it stops on the periodic validation evaluations');
  }
  checkSchedule(c.lr, c.steps);
}

/** Extra inputs of trainTrial beyond the config. */
export interface TrainExtras extends Pick<GatrModelOptions, 'handMadeInvariants'> {
  /**
   * transformer+clone: the teacher, a serialized checkpoint of a trained GATr of the same task shapes (its last
   * checkpoint; only its parameters are used). Required when config.clone is set.
   */
  teacher?: Uint8Array;
}

/** Val examples and E(3) elements of the equivariance measurement (relative to the predicted displacement). */
const EQUIVARIANCE_EXAMPLES = 64;
const EQUIVARIANCE_ELEMENTS = 4;

/** Mean relative equivariance error of a net on the first val examples under seeded random E(3) elements (floor and gravity moved along). */
export async function measureEquivariance(net: Net, val: Examples, seed: number): Promise<number> {
  const ex = gatherExamples(val, Int32Array.from({ length: Math.min(EQUIVARIANCE_EXAMPLES, val.count) }, (_, i) => i));
  const rng = Rng.fromKey('equiscale-equivariance', seed);
  let sum = 0;
  for (let i = 0; i < EQUIVARIANCE_ELEMENTS; i++) {
    sum += (await benchmarkEquivarianceError((e) => net.predict(e), ex, randomE3(rng))).relToDisplacement;
  }
  return sum / EQUIVARIANCE_ELEMENTS;
}

/** Rebuilds a trained net from a checkpoint (parameters only). */
function restoreNet(bytes: Uint8Array, fallbackGain: number): Net {
  const ck = deserializeCheckpoint(bytes);
  const net = createNet(ck.header.dims, ck.header.shapes, ck.header.seed, ck.header.motionGain ?? fallbackGain);
  const shapes = JSON.stringify(net.variables.map((v) => v.shape));
  if (shapes !== JSON.stringify(ck.header.paramShapes)) {
    net.dispose();
    throw new Error(`teacher checkpoint variable shapes ${JSON.stringify(ck.header.paramShapes)} do not match its own dims (${shapes})`);
  }
  writeParams(net, ck.params);
  return net;
}

export async function trainTrial(
  config: TrialConfig,
  data: TrialData,
  callbacks: TrainCallbacks = {},
  resume?: Uint8Array,
  /** the teacher of a cloning trial; handMadeInvariants: ablations only (bench/learning.bench.ts) */
  extras: TrainExtras = {},
): Promise<TrialOutcome> {
  const { teacher: teacherBytes, ...gatrOptions } = extras;
  checkConfig(config);
  checkNamedExamples(data.train, 'data.train');
  checkNamedExamples(data.val, 'data.val');
  checkNamedExamples(data.test, 'data.test');
  const shapes = shapesOf(data.train);
  for (const [name, ex] of [['val', data.val], ['test', data.test]] as const) {
    const s = shapesOf(ex);
    if (s.maxBodies !== shapes.maxBodies || s.maxVerts !== shapes.maxVerts || s.bodyFeatureCount !== shapes.bodyFeatureCount) {
      throw new Error(`data.${name} shapes ${JSON.stringify(s)} differ from data.train shapes ${JSON.stringify(shapes)}`);
    }
  }
  if (config.clone && !teacherBytes) {
    throw new Error('config.clone is set but no teacher was given: pass the trained GATr checkpoint as extras.teacher');
  }
  const backend = backendLabel();
  const motionGain = fitMotionGain(data.train);
  const teacher = config.clone && teacherBytes ? restoreNet(teacherBytes, motionGain) : null;
  let net: Net;
  try {
    if (teacher) {
      const t = shapesOf(data.train);
      const ts = deserializeCheckpoint(teacherBytes!).header.shapes;
      if (ts.maxBodies !== t.maxBodies || ts.maxVerts !== t.maxVerts || ts.bodyFeatureCount !== t.bodyFeatureCount) {
        throw new Error(`teacher checkpoint task shapes ${JSON.stringify(ts)} differ from the trial's ${JSON.stringify(t)}: the teacher must be trained on the same benchmark`);
      }
    }
    net = createNet(config.dims, shapes, config.seed, motionGain, gatrOptions);
  } catch (e) {
    teacher?.dispose();
    throw e;
  }
  const paramShapes = net.variables.map((v) => v.shape.slice());
  try {
    return await run(config, data, callbacks, resume, net, paramShapes, backend, motionGain, teacher);
  } finally {
    net.dispose();
    teacher?.dispose();
  }
}

async function run(
  config: TrialConfig,
  data: TrialData,
  cb: TrainCallbacks,
  resume: Uint8Array | undefined,
  net: Net,
  paramShapes: number[][],
  backend: string,
  motionGain: number,
  teacher: Net | null,
): Promise<TrialOutcome> {
  const shapes = shapesOf(data.train);
  let params: Float32Array;
  let adam: AdamState;
  let step = 0;
  let order: DataOrder;
  let lastTrainLoss: number | null = null;
  const esConfig = config.earlyStopping;
  /** early stopping's state (null without early stopping); the best parameters are a copy of the master params */
  let es: EarlyStoppingState | null = esConfig
    ? { patience: esConfig.patience, minImprovement: esConfig.minImprovement, bestValLoss: null, bestStep: null, evalsSinceImprovement: 0 }
    : null;
  let bestParams: Float32Array | null = null;
  if (resume) {
    const ck = deserializeCheckpoint(resume);
    checkCheckpointMatches(ck.header, config.family, config.dims, paramShapes);
    if (ck.header.seed !== config.seed || ck.header.batchSize !== config.batchSize || ck.header.trainCount !== data.train.count) {
      throw new Error(
        `checkpoint was written with seed=${ck.header.seed}, batchSize=${ck.header.batchSize}, trainCount=${ck.header.trainCount}; ` +
          `the trial has seed=${config.seed}, batchSize=${config.batchSize}, trainCount=${data.train.count}: resume with the same trial`,
      );
    }
    params = ck.params;
    adam = { m: ck.m, v: ck.v, t: ck.header.adamT };
    step = ck.header.step;
    order = new DataOrder(data.train.count, config.seed, ck.header.data);
    lastTrainLoss = ck.header.lastTrainLoss;
    const saved = ck.header.earlyStopping;
    if (!es !== !saved || (es && saved && (saved.patience !== es.patience || saved.minImprovement !== es.minImprovement))) {
      throw new Error(
        `checkpoint was written with earlyStopping ${saved ? JSON.stringify({ patience: saved.patience, minImprovement: saved.minImprovement }) : 'off'}; ` +
          `the trial has earlyStopping ${esConfig ? JSON.stringify(esConfig) : 'off'}: resume with the same trial`,
      );
    }
    if (saved) {
      es = { ...saved };
      bestParams = ck.bestParams ?? null;
    }
    writeParams(net, params);
  } else {
    params = readParams(net);
    adam = newAdamState(params.length);
    order = new DataOrder(data.train.count, config.seed);
  }

  const started = performance.now();
  const wall = () => (performance.now() - started) / 1000;
  const logEvery = config.logEvery ?? Math.max(1, Math.round(config.steps / 200));
  let pending: MetricPoint[] = [];
  const flush = async () => {
    if (pending.length && cb.onMetrics) await cb.onMetrics(pending);
    pending = [];
  };
  const point = (split: MetricPoint['split'], loss: number): MetricPoint => ({
    step,
    split,
    loss,
    samplesSeen: step * config.batchSize,
    wallTimeS: wall(),
  });
  const checkpoint = async () => {
    if (!cb.onCheckpoint) return;
    const header: CheckpointHeader = {
      version: 1,
      family: config.family,
      dims: config.dims,
      shapes,
      paramShapes,
      step,
      adamT: adam.t,
      data: order.position,
      seed: config.seed,
      batchSize: config.batchSize,
      trainCount: data.train.count,
      lastTrainLoss,
      motionGain,
      ...(es ? { earlyStopping: { ...es } } : {}),
    };
    await cb.onCheckpoint(serializeCheckpoint({ header, params, m: adam.m, v: adam.v, ...(bestParams ? { bestParams } : {}) }), step);
  };
  const symmetry: SymmetryReport = {};
  const cloneSteps = config.clone?.steps ?? 0;
  if (teacher && cloneSteps > 0) {
    // the teacher's forward passes during cloning (a forward is a third of forward + backward)
    symmetry.teacherInferenceFlops = (teacher.summary.nominalFlopsPerSample / 3) * config.batchSize * cloneSteps;
  }
  const outcome = (status: TrialOutcome['status'], valLoss: number | null, testLoss: number | null, error?: string, earlyStopping?: EarlyStoppingReport): TrialOutcome => ({
    status,
    step,
    trainLoss: lastTrainLoss,
    valLoss,
    testLoss,
    backend,
    summary: net.summary,
    ...(error ? { error } : {}),
    ...(Object.keys(symmetry).length > 0 ? { symmetry: { ...symmetry } } : {}),
    ...(earlyStopping ? { earlyStopping } : {}),
  });
  /**
   * One early-stopping evaluation (of the whole validation split) at `step`: keeps the parameters of the lowest
   * loss so far; counts the evaluations since the best last improved by more than minImprovement (a non-finite
   * loss never improves). True when the patience has run out.
   */
  const earlyStoppingEval = (s: EarlyStoppingState, loss: number): boolean => {
    const prev = s.bestValLoss;
    if (Number.isFinite(loss) && (prev === null || loss < prev)) {
      s.bestValLoss = loss;
      s.bestStep = step;
      bestParams = params.slice();
    }
    const significant = Number.isFinite(loss) && (prev === null || loss < prev * (1 - s.minImprovement));
    s.evalsSinceImprovement = significant ? 0 : s.evalsSinceImprovement + 1;
    return s.evalsSinceImprovement >= s.patience;
  };
  let stoppedEarly = false;

  const checkpointAt = new Set(config.checkpointAt ?? []);
  const checkpointDue = (at: number) => (config.checkpointEvery > 0 && at % config.checkpointEvery === 0) || checkpointAt.has(at);
  let windowSum = 0;
  let windowCount = 0;
  while (step < config.steps) {
    const indices = order.next(config.batchSize);
    let batch = gatherExamples(data.train, indices);
    if (config.augment) batch = augmentBatch(batch, config.seed, step, config.augmentGroup ?? 'e3');
    const cloning = teacher !== null && step < cloneSteps;
    if (cloning) {
      // symmetry cloning: regress on the teacher's prediction for an E(3)-transformed input (floor, gravity along)
      batch = augmentBatch(batch, config.seed, step, 'e3');
      const t = tf.tidy(() => teacher.predict(batch));
      batch = { ...batch, target: Float32Array.from(t.dataSync()) };
      t.dispose();
    }
    net.setNoiseStep?.(step);
    const { mask, count } = coordMask(batch);
    const denom = Math.max(count, 1);
    const { value, grads } = tf.variableGrads(
      () => tf.div(maskedSquaredError(net.predict(batch), batch, mask), denom) as tf.Scalar,
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
      const what = !Number.isFinite(loss) ? `training loss is ${loss}` : `gradient norm is ${norm}`;
      await flush();
      return outcome('diverged', null, null, `${what} at step ${step + 1} (lr ${learningRate(config.lr, step + 1, config.steps)})`);
    }
    const scale = config.gradClip > 0 && norm > config.gradClip ? config.gradClip / norm : 1;
    adamUpdate(params, grad, adam, learningRate(config.lr, step + 1, config.steps), scale);
    writeParams(net, params);
    step++;
    net.setNoiseStep?.(null);
    if (teacher && step === cloneSteps) symmetry.equivarianceErrorAfterClone = await measureEquivariance(net, data.val, config.seed);

    windowSum += loss;
    windowCount++;
    if (windowCount >= logEvery || step === config.steps) {
      lastTrainLoss = windowSum / windowCount;
      pending.push(point('train', lastTrainLoss));
      windowSum = 0;
      windowCount = 0;
    }
    cb.onProgress?.(step, config.steps);
    if (es && (step % config.evalEvery === 0 || step === config.steps)) {
      // early stopping evaluates the whole validation split, also at the step cap (that evaluation is the final one)
      const loss = evaluateLoss(net, data.val);
      pending.push(point('val', loss));
      if (earlyStoppingEval(es, loss) && step < config.steps) {
        stoppedEarly = true;
        if (windowCount > 0) {
          lastTrainLoss = windowSum / windowCount;
          pending.push(point('train', lastTrainLoss));
        }
        await flush();
        break;
      }
      await flush();
    } else if (config.evalEvery > 0 && step % config.evalEvery === 0 && step < config.steps) {
      pending.push(point('val', evaluateLoss(net, data.val, config.evalExamples)));
      await flush();
    }
    if (pending.length >= METRIC_FLUSH) await flush();
    if (checkpointDue(step)) {
      await flush();
      await checkpoint();
    }
    if (step < config.steps && cb.shouldStop?.()) {
      if (windowCount > 0) {
        lastTrainLoss = windowSum / windowCount;
        pending.push(point('train', lastTrainLoss));
      }
      await flush();
      if (!checkpointDue(step)) await checkpoint();
      return outcome('stopped', null, null);
    }
  }
  let valLoss: number;
  let earlyStopping: EarlyStoppingReport | undefined;
  /** the step whose parameters the final losses measure (with early stopping: the best on validation) */
  let evaluatedStep = step;
  if (es) {
    // the final losses are those of the best-on-validation parameters (never selected on test); with no finite
    // evaluation at all, of the last parameters
    if (es.bestStep !== null && bestParams && es.bestStep !== step) writeParams(net, bestParams);
    evaluatedStep = es.bestStep ?? step;
    valLoss = es.bestValLoss ?? evaluateLoss(net, data.val);
    earlyStopping = { stoppedStep: step, bestStep: evaluatedStep, stoppedEarly };
  } else {
    valLoss = evaluateLoss(net, data.val);
  }
  const testLoss = evaluateLoss(net, data.test);
  if (net.setSymmetryBreaking) {
    // gatr+approx: the same net with its symmetry-breaking inputs off is the exactly equivariant model
    net.setSymmetryBreaking(false);
    symmetry.exactValLoss = evaluateLoss(net, data.val);
    symmetry.exactTestLoss = evaluateLoss(net, data.test);
    net.setSymmetryBreaking(true);
  }
  if (teacher) symmetry.equivarianceErrorFinal = await measureEquivariance(net, data.val, config.seed);
  if (es) {
    // the validation point of the kept parameters is already on the curve (at their step); the test point goes there too
    pending.push({ ...point('test', testLoss), step: evaluatedStep, samplesSeen: evaluatedStep * config.batchSize });
  } else pending.push(point('val', valLoss), point('test', testLoss));
  await flush();
  if (!Number.isFinite(valLoss) || !Number.isFinite(testLoss)) {
    return outcome('diverged', valLoss, testLoss, `final evaluation is not finite (val ${valLoss}, test ${testLoss}) after step ${step}`);
  }
  return outcome('completed', valLoss, testLoss, undefined, earlyStopping);
}
