/**
 * Reference loss of the trivial predictor: the training mean of every target, scored with the models' loss (MSE
 * averaged over targets). A model that does not beat it has learnt nothing from the weights.
 */
import type { BaselineLoss } from '@equiscale/benchmark';
import type { WeightSpaceExamples } from './generate.js';

export function targetMeans(ex: WeightSpaceExamples): Float64Array {
  const T = ex.targetNames.length;
  const mean = new Float64Array(T);
  for (let n = 0; n < ex.count; n++) for (let t = 0; t < T; t++) mean[t] += ex.targets[n * T + t];
  for (let t = 0; t < T; t++) mean[t] /= Math.max(1, ex.count);
  return mean;
}

/** MSE (mean over examples and targets) of predicting `pred` (one value per target) for every example. */
export function constantPredictionLoss(ex: WeightSpaceExamples, pred: ArrayLike<number>): number {
  const T = ex.targetNames.length;
  let s = 0;
  for (let n = 0; n < ex.count; n++) for (let t = 0; t < T; t++) s += (ex.targets[n * T + t] - pred[t]) ** 2;
  return ex.count === 0 ? 0 : s / (ex.count * T);
}

export function weightSpaceBaselines(ds: { train: WeightSpaceExamples; val: WeightSpaceExamples; test: WeightSpaceExamples }): BaselineLoss[] {
  if (ds.train.count === 0) throw new Error('baselines: the training set is empty');
  const mean = targetMeans(ds.train);
  return (['val', 'test'] as const).map((split) => ({ name: 'predict the train mean', split, loss: constantPredictionLoss(ds[split], mean) }));
}
