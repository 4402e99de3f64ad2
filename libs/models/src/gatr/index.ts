/**
 * GATr in TensorFlow.js: equivariant layers, the network, its accounting and the benchmark model.
 *
 * Module graph (one way): ../algebra (pure TS tables) -> basis, params -> equi-linear, primitives ->
 * attention, mlp -> network -> flops, rigid-body-model; equivariance (shared checks) uses algebra and
 * @equiscale/rigid-body only. All layers run on packed rows (batch * items, 16c + s).
 */
export { EQUI_LINEAR_BASIS, NUM_BASIS_MAPS } from './basis.js';
export { ParamFactory } from './params.js';
export {
  EquiLinear,
  equiLinearExecutedFlops,
  equiLinearNominalFlops,
  equiLinearParamCount,
  type EquiLinearInit,
  type EquiLinearShape,
} from './equi-linear.js';
export { gatedGelu, geluErf, geluTanh, geometricProductRows, joinRows, layerNorm } from './primitives.js';
export { GeometricAttention, attentionSizes, type AttentionSizes, type AttentionVariant } from './attention.js';
export { GeometricMlp } from './mlp.js';
export { GatrBlock, GatrNet, type GatrNetConfig, type GatrOutput } from './network.js';
export {
  blockLinearShapes,
  gatrBlockParamCount,
  gatrFlopsPerToken,
  gatrParamCount,
  networkLinearShapes,
  type GatrFlops,
} from './flops.js';
export {
  approxInputCount,
  GRAVITY_SCALE,
  MOTION_SCALE,
  batchTensors,
  createGatrModel,
  gatrEmbed,
  gatrInputChannels,
  gatrInputScalars,
  gatrOutputChannels,
  ROTATION_SCALE,
  gatrNetConfig,
  summarizeGatr,
  type GatrModel,
  type GatrModelOptions,
  type ReflectionHandling,
  type RigidBodyBatch,
} from './rigid-body-model.js';
export {
  benchmarkEquivarianceError,
  multivectorEquivarianceError,
  pinToE3,
  type BenchmarkEquivariance,
  type MultivectorMap,
} from './equivariance.js';
