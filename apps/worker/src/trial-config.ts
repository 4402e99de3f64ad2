/**
 * What the worker reads from a TrialAssignment: the trial exactly as planned (equiscale.v1.Trial) and the sweep's
 * benchmark config. It checks the message (one line naming the field, like every gRPC input) and reads the models
 * lib's TrialConfig off the trial's fields; it never calls back into the planner and never recomputes the
 * accounting (trial.plan has it).
 */
import type { Trial as TrialMessage } from '@equiscale/contract';
import type { BenchmarkTrial } from '@equiscale/benchmark';
import type { FamilyName, TrialConfig } from '@equiscale/models/accounting';
import { modelDims, weightSpaceDimsOf, type Trial } from '@equiscale/sweeps';
import type { WeightSpaceDims } from '@equiscale/weight-space/accounting';

const ARCHITECTURES = ['transformer', 'gatr', 'mlp', 'dwsnet'] as const;
const WEIGHT_SPACE_ARCHITECTURES: readonly string[] = ['mlp', 'dwsnet'];

const positiveInt = (x: number) => Number.isSafeInteger(x) && x > 0;
const nonNegInt = (x: number) => Number.isSafeInteger(x) && x >= 0;

/** Why the received trial cannot be trained (field named as the .proto spells it), or null. */
export function trialProblem(t: TrialMessage | undefined): string | null {
  if (!t) return 'trial: missing from the assignment';
  if (!(ARCHITECTURES as readonly string[]).includes(t.modelFamily)) return `trial.model_family: expected one of ${ARCHITECTURES.map((a) => `"${a}"`).join(', ')}, got "${t.modelFamily}"`;
  const mf = t.modelFamily as (typeof ARCHITECTURES)[number];
  const weightSpace = WEIGHT_SPACE_ARCHITECTURES.includes(mf);
  if (t.benchmark && weightSpace !== (t.benchmark.name === 'weight-space')) return `trial.model_family: "${mf}" is not an architecture of the ${t.benchmark.name || 'rigid-body'} benchmark`;
  const d = t.dims;
  if (!d || !d[mf] || ARCHITECTURES.filter((a) => d[a]).length !== 1) return `trial.dims: expected exactly the ${t.modelFamily} dims`;
  if (!positiveInt(t.steps)) return `trial.steps: expected an integer > 0, got ${t.steps}`;
  if (!positiveInt(t.trainSize)) return `trial.train_size: expected an integer > 0, got ${t.trainSize}`;
  const tr = t.training;
  if (!tr || !tr.lr) return 'trial.training: missing (batch size, learning-rate schedule, evaluation and checkpoint settings)';
  if (!positiveInt(tr.batchSize)) return `trial.training.batch_size: expected an integer > 0, got ${tr.batchSize}`;
  if (tr.lr.kind !== 'cosine' && tr.lr.kind !== 'constant-cooldown' && tr.lr.kind !== 'wsd') return `trial.training.lr.kind: expected "cosine", "constant-cooldown" or "wsd", got "${tr.lr.kind}"`;
  if (tr.lr.cooldownShape !== undefined && tr.lr.cooldownShape !== 'linear' && tr.lr.cooldownShape !== '1-sqrt') return `trial.training.lr.cooldown_shape: expected "linear" or "1-sqrt", got "${tr.lr.cooldownShape}"`;
  if (!(tr.checkpointAt ?? []).every((s) => positiveInt(s) && s <= t.steps)) return `trial.training.checkpoint_at: expected steps in [1, ${t.steps}], got ${JSON.stringify(tr.checkpointAt)}`;
  if (!nonNegInt(tr.checkpointEvery) || !nonNegInt(tr.evalEvery)) return 'trial.training: eval_every and checkpoint_every must be integers >= 0';
  const es = tr.earlyStopping;
  if (es) {
    if (!positiveInt(es.patience)) return `trial.training.early_stopping.patience: expected an integer > 0, got ${es.patience}`;
    if (!(Number.isFinite(es.minImprovement) && es.minImprovement >= 0 && es.minImprovement < 1)) return `trial.training.early_stopping.min_improvement: expected a number in [0, 1), got ${es.minImprovement}`;
    if (tr.evalEvery === 0) return 'trial.training.early_stopping: needs eval_every > 0 (it stops on the periodic validation evaluations)';
    if (tr.lr.kind === 'wsd') return 'trial.training.early_stopping: not with lr.kind "wsd" (a trunk runs to its branch points, a branch is a fixed-length cooldown)';
  }
  if (!t.plan || !nonNegInt(t.plan.paramCount)) return 'trial.plan: missing the planned parameter count';
  if (!t.benchmark) return 'trial.benchmark: missing';
  if (t.augmentGroup !== undefined && t.augmentGroup !== 'e3' && t.augmentGroup !== 'task') return `trial.augment_group: expected "e3" or "task", got "${t.augmentGroup}"`;
  if (weightSpace) {
    if (tr.lr.kind === 'wsd' || tr.checkpointAt?.length) return 'trial.training.lr.kind: the weight-space trainer runs no WSD trunks or branches (no checkpoint_at); use "cosine" or "constant-cooldown"';
    if (!positiveInt(tr.evalExamples)) return `trial.training.eval_examples: expected an integer > 0, got ${tr.evalExamples}`;
    if (es) return 'trial.training.early_stopping: the weight-space trainer has no early stopping';
    return null;
  }
  if (t.role !== undefined && t.role !== '' && !['run', 'trunk', 'branch', 'student'].includes(t.role)) return `trial.role: expected "run", "trunk", "branch" or "student", got "${t.role}"`;
  if ((t.role === 'student') !== (tr.cloneSteps !== undefined)) return 'trial.training.clone_steps: set exactly when trial.role is "student" (symmetry cloning)';
  if (t.role === 'student' && (mf !== 'transformer' || !positiveInt(tr.cloneSteps!) || tr.cloneSteps! > t.steps)) return `trial.training.clone_steps: a student is a transformer with clone_steps in [1, ${t.steps}], got ${t.modelFamily} with ${tr.cloneSteps}`;
  const g = d.gatr ?? d.transformer!;
  if (g.output !== undefined && g.output !== 'rigid' && g.output !== 'vertex') return `trial.dims.${t.modelFamily}.output: expected "rigid" or "vertex", got "${g.output}"`;
  if (d.gatr?.attention !== undefined && d.gatr.attention !== 'sdp' && d.gatr.attention !== 'distance') return `trial.dims.gatr.attention: expected "sdp" or "distance", got "${d.gatr.attention}"`;
  if (d.gatr?.reflections !== undefined && d.gatr.reflections !== 'symmetrize' && d.gatr.reflections !== 'ignore') return `trial.dims.gatr.reflections: expected "symmetrize" or "ignore", got "${d.gatr.reflections}"`;
  const within = (x: number, max: number) => Number.isSafeInteger(x) && x >= 1 && x <= max;
  // gatr+approx and transformer+lps carry their options in the dims (libs/models checks the same ranges)
  if (d.gatr?.approxInputs !== undefined && !within(d.gatr.approxInputs, 64)) return `trial.dims.gatr.approx_inputs: expected an integer in [1, 64], got ${d.gatr.approxInputs}`;
  const lps = d.transformer?.lps;
  if (lps) {
    for (const [k, max] of [['samples', 64], ['hidden', 4096], ['noise', 64]] as const) {
      if (!within(lps[k], max)) return `trial.dims.transformer.lps.${k}: expected an integer in [1, ${max}], got ${lps[k]}`;
    }
  }
  return null;
}

/** The trial, checked (trialProblem returned null), as the planner's type. */
export function checkedTrial(t: TrialMessage): Trial {
  return t as Trial;
}

/** The models lib's TrialConfig of a trial: its own fields, no planning. */
export function trainingConfig(t: Trial): TrialConfig {
  const tr = t.training;
  return {
    family: t.modelFamily as FamilyName,
    augment: t.augment,
    ...(t.augmentGroup ? { augmentGroup: t.augmentGroup } : {}),
    dims: modelDims(t),
    steps: t.steps,
    batchSize: tr.batchSize,
    lr: { ...tr.lr },
    gradClip: tr.gradClip,
    evalEvery: tr.evalEvery,
    evalExamples: tr.evalExamples,
    checkpointEvery: tr.checkpointEvery,
    ...(tr.checkpointAt?.length ? { checkpointAt: [...tr.checkpointAt] } : {}),
    ...(t.role === 'student' && tr.cloneSteps !== undefined ? { clone: { steps: tr.cloneSteps } } : {}),
    seed: t.seed,
    ...(tr.earlyStopping ? { earlyStopping: { patience: tr.earlyStopping.patience, minImprovement: tr.earlyStopping.minImprovement } } : {}),
  };
}

/** Whether the trial trains on the weight-space benchmark (libs/weight-space) rather than rigid bodies. */
export function isWeightSpaceTrial(t: Pick<Trial, 'benchmark'>): boolean {
  return t.benchmark.name === 'weight-space';
}

/**
 * The weight-space trainer's trial (libs/benchmark BenchmarkTrial) of a trial: the sweep family names the variant
 * (`mlp+permute` augments by hidden-neuron permutations), the dims are its mlp or dwsnet sub-message.
 */
export function weightSpaceTrainingTrial(t: Trial): BenchmarkTrial<WeightSpaceDims> {
  const tr = t.training;
  if (tr.lr.kind === 'wsd') throw new Error('trial.training.lr.kind: the weight-space trainer takes "cosine" or "constant-cooldown"');
  return {
    family: t.family,
    dims: weightSpaceDimsOf(t),
    steps: t.steps,
    batchSize: tr.batchSize,
    lr: { peak: tr.lr.peak, kind: tr.lr.kind, warmupSteps: tr.lr.warmupSteps, minRatio: tr.lr.minRatio, cooldownFraction: tr.lr.cooldownFraction },
    gradClip: tr.gradClip,
    evalEvery: tr.evalEvery,
    evalExamples: tr.evalExamples,
    checkpointEvery: tr.checkpointEvery,
    seed: t.seed,
  };
}
