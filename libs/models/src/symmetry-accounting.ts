/**
 * Parameter and FLOP accounting of the families that handle symmetry in other ways (issue 16), pure arithmetic:
 * no TensorFlow.js import here or below (flops.ts, transformer/layout.ts are plain TypeScript), so the sweep
 * planner can count without loading tfjs. gatr+approx needs nothing here: its fixed inputs are extra input
 * channels of GATr's first layer (gatr/flops.ts counts them) plus 16 parameters each (summarizeGatr).
 *
 * transformer+lps (transformer/lps.ts), per training sample, forward + backward:
 *   params   = transformer + q, q = per-vertex MLP (LPS_Q_FEATURES + noise) -> hidden -> LPS_Q_OUT, with biases
 *   nominal  = k * transformer nominal + 6 * W_q * B * V           (W_q: q's weight-matrix entries; every
 *              vertex slot is a "token" of q, padded slots included: they are computed)
 *   executed = k * transformer executed + 3 * (2 * W_q * B * V      (q's two matMuls)
 *              + 2 * LPS_Q_OUT * 3 * B * V                          (the frame vectors: coefficients x vectors)
 *              + k * 2 * 9 * (3 * B * V + 2))                       (rotating positions, motions, displacements,
 *                                                                    gravity and the floor normal, 3x3 per vector)
 *   Invariant features, Gram–Schmidt and the mean over the k samples are elementwise: counted in neither.
 * transformer+clone: see cloneCompute.
 */
import type { LpsOptions, ModelSummary, TaskShapes, TransformerDims } from './api.js';
import { summarizeTransformer } from './flops.js';

/** Defaults the sweep spec fills in (familyOptions["transformer+lps"]). */
export const LPS_DEFAULT_SAMPLES = 2;
/** Invariant features per vertex fed to q (besides the noise): |r|^2, |m|^2, r.m, r.g, m.g, r.n, m.n. */
export const LPS_Q_FEATURES = 7;
/** q's outputs per vertex: for each of the 3 frame vectors, coefficients of r, m, gravity and the floor normal. */
export const LPS_Q_OUT = 12;
export const LPS_DEFAULT_HIDDEN = 16;
export const LPS_DEFAULT_NOISE = 4;

/** Checks the options (integers: samples in [1, 64], hidden in [1, 4096], noise in [1, 64]); throws naming the field. */
export function checkLps(o: LpsOptions): LpsOptions {
  const ok = (x: number, max: number) => Number.isInteger(x) && x >= 1 && x <= max;
  if (!ok(o.samples, 64)) throw new Error(`transformer dims.lps.samples must be an integer in [1, 64] (got ${JSON.stringify(o.samples)})`);
  if (!ok(o.hidden, 4096)) throw new Error(`transformer dims.lps.hidden must be an integer in [1, 4096] (got ${JSON.stringify(o.hidden)})`);
  if (!ok(o.noise, 64)) throw new Error(`transformer dims.lps.noise must be an integer in [1, 64] (got ${JSON.stringify(o.noise)})`);
  return o;
}

/** q's weight-matrix entries and all its parameters. */
export function lpsFrameNetSize(o: LpsOptions): { matrixWeights: number; params: number } {
  const inDim = LPS_Q_FEATURES + o.noise;
  const matrixWeights = inDim * o.hidden + o.hidden * LPS_Q_OUT;
  return { matrixWeights, params: matrixWeights + o.hidden + LPS_Q_OUT };
}

/** Parameters and FLOPs per training sample of a transformer with dims.lps set (see the top of this file). */
export function summarizeLps(dims: TransformerDims, shapes: TaskShapes): ModelSummary {
  if (!dims.lps) throw new Error('summarizeLps: dims.lps is not set');
  const o = checkLps(dims.lps);
  const { lps: _lps, ...plain } = dims;
  const base = summarizeTransformer(plain, shapes);
  const q = lpsFrameNetSize(o);
  const slots = shapes.maxBodies * shapes.maxVerts;
  return {
    dims: { ...dims, lps: { ...dims.lps } },
    paramCount: base.paramCount + q.params,
    nominalFlopsPerSample: o.samples * base.nominalFlopsPerSample + 6 * q.matrixWeights * slots,
    executedFlopsPerSample:
      o.samples * base.executedFlopsPerSample + 3 * (2 * q.matrixWeights * slots + 2 * LPS_Q_OUT * 3 * slots + o.samples * 2 * 9 * (3 * slots + 2)),
  };
}

export interface CloneComputeInput {
  /** the student's FLOPs per training sample (its own forward + backward) */
  student: Pick<ModelSummary, 'nominalFlopsPerSample' | 'executedFlopsPerSample'>;
  /** the teacher's FLOPs per training sample (forward + backward; one forward is a third of it, see below) */
  teacher: Pick<ModelSummary, 'nominalFlopsPerSample' | 'executedFlopsPerSample'>;
  steps: number;
  batchSize: number;
  /** steps of the cloning phase (the teacher runs one forward pass per sample on each) */
  cloneSteps: number;
  /** the teacher trial's whole training compute (nominal and executed) */
  teacherTraining: { nominal: number; executed: number };
  /** how many students share that teacher (its training compute is split evenly among them); >= 1 */
  studentsPerTeacher: number;
}

export interface CloneCompute {
  /** what the student's trial spends: its own training plus the teacher's forward passes during cloning */
  nominal: number;
  executed: number;
  /** the teacher's forward passes alone (nominal, executed) */
  teacherInference: { nominal: number; executed: number };
  /** plus this student's share of the teacher's training compute */
  nominalWithTeacher: number;
  executedWithTeacher: number;
}

/**
 * Compute of a transformer+clone trial. A forward pass is counted as a third of forward + backward (the 2 : 4
 * split of the 6-FLOPs-per-weight convention; executed: 2mnk of 6mnk), so the teacher's inference on the
 * cloning phase is (fwd+bwd per sample) / 3 * batch * cloneSteps.
 */
export function cloneCompute(c: CloneComputeInput): CloneCompute {
  if (!(Number.isInteger(c.cloneSteps) && c.cloneSteps >= 0 && c.cloneSteps <= c.steps)) {
    throw new Error(`clone steps must be an integer in [0, steps = ${c.steps}] (got ${c.cloneSteps})`);
  }
  if (!(c.studentsPerTeacher >= 1)) throw new Error(`studentsPerTeacher must be >= 1 (got ${c.studentsPerTeacher})`);
  const samples = c.batchSize * c.steps;
  const cloneSamples = c.batchSize * c.cloneSteps;
  const teacherInference = {
    nominal: (c.teacher.nominalFlopsPerSample / 3) * cloneSamples,
    executed: (c.teacher.executedFlopsPerSample / 3) * cloneSamples,
  };
  const nominal = c.student.nominalFlopsPerSample * samples + teacherInference.nominal;
  const executed = c.student.executedFlopsPerSample * samples + teacherInference.executed;
  return {
    nominal,
    executed,
    teacherInference,
    nominalWithTeacher: nominal + c.teacherTraining.nominal / c.studentsPerTeacher,
    executedWithTeacher: executed + c.teacherTraining.executed / c.studentsPerTeacher,
  };
}
