// '@equiscale/weight-space/train': the TensorFlow.js side of the benchmark (networks and trainer).
export { initBackend } from '@equiscale/models';
export {
  trainWeightSpaceTrial,
  evaluateWeightSpaceLoss,
  evaluateWeightSpaceLossPerTarget,
  type WeightSpaceTrial,
  type WeightSpaceData,
  type WeightSpaceTrialResult,
} from './trainer.js';
export { createWeightSpaceNet, inputStats, standardizedParams, type InputStats, type WeightSpaceNet } from '../nets/index.js';
export { weightSpaceObjects } from '../nets/dwsnet.js';
