/**
 * @equiscale/models/accounting: model accounting without TensorFlow.js — the size ladders, parameter counts and
 * FLOP counts (nominal: the authors' convention; executed: what this implementation multiplies) of every family,
 * and the contract's plain types. Pure arithmetic: nothing in this entry point's import graph loads
 * TensorFlow.js (a test imports the sweep planner and the coordinator and checks `globalThis._tfengine` stays
 * unset; a lint rule keeps @equiscale/sweeps, @equiscale/scaling, @equiscale/study, @equiscale/db and the
 * coordinator off the package root, which does load it).
 */
export type * from './api.js';
export { summarize, sizeLadder, ladder, ladderLength, dimsForParams } from './ladder.js';
export { transformerFlops, summarizeTransformer, rigidOutputExecutedFlops, type FlopCounts } from './flops.js';
export { transformerParamCount, transformerMatrixWeights, checkTransformerDims } from './transformer/layout.js';
export { tokenFeatureDim } from './transformer/features.js';
export {
  approxInputCount,
  blockLinearShapes,
  gatrBlockParamCount,
  gatrFlopsPerToken,
  gatrInputChannels,
  gatrInputScalars,
  gatrNetConfig,
  gatrOutputChannels,
  gatrParamCount,
  networkLinearShapes,
  summarizeGatr,
  type GatrAccountingOptions,
  type GatrFlops,
} from './gatr/flops.js';
export {
  attentionSizes,
  equiLinearExecutedFlops,
  equiLinearMode,
  equiLinearNominalFlops,
  equiLinearParamCount,
  type AttentionSizes,
  type AttentionVariant,
  type EquiLinearMode,
  type EquiLinearShape,
} from './gatr/sizes.js';
export {
  summarizeLps,
  checkLps,
  lpsFrameNetSize,
  cloneCompute,
  LPS_Q_FEATURES,
  LPS_Q_OUT,
  LPS_DEFAULT_SAMPLES,
  LPS_DEFAULT_HIDDEN,
  LPS_DEFAULT_NOISE,
  type CloneCompute,
  type CloneComputeInput,
} from './symmetry-accounting.js';
export { OUTPUT_MODES } from './api.js';
