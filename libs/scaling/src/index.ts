export type { Run } from './runs.js';
export { validateRuns, groupByFamily, DEFAULT_FAMILY } from './runs.js';
export { parseRunsCsv, parseChinchillaCsv, splitCsv, type ChinchillaCsvOptions } from './csv.js';
export { LbfgsWorkspace, lbfgs, type LbfgsOptions, type LbfgsResult, type LbfgsStatus, type ObjectiveFn } from './lbfgs.js';
export {
  fitApproach3,
  gridSearch,
  gridStarts,
  searchStarts,
  HuberLogObjective,
  HOFFMANN_GRID,
  PARAM_NAMES,
  predictLoss,
  toLaw,
  identifiabilityProblems,
  type Approach3Fit,
  type Approach3Options,
  type LawParams,
  type StartGrid,
  type GridSearchResult,
} from './approach3.js';
export { fitApproach3Parallel, type ParallelFitOptions } from './fit-parallel.js';
export { fitVpnls, crossCheck, nnls3, DEFAULT_CROSS_CHECK_TOLERANCE, type VpnlsFit, type VpnlsOptions, type CrossCheck } from './vpnls.js';
export {
  bootstrapFit,
  optimalIntervals,
  sampleLaws,
  WARM_START_LBFGS,
  type BootstrapOptions,
  type BootstrapResult,
  type BootstrapSamples,
  type BudgetIntervals,
} from './bootstrap.js';
export { makeRng, percentileInterval, percentileSorted, type Rng, type Interval } from './rng.js';
export {
  allocationExponents,
  computeOptimal,
  computeFrontier,
  estimateKappa,
  runCompute,
  logSpace,
  type Allocation,
  type OptimalPoint,
} from './frontier.js';
export { fitEnvelopePowerLaw, lowerEnvelope, envelopeLoss, type EnvelopeFit, type ComputeLossPoint } from './envelope.js';
export { fitApproach2, groupBudgets, type Approach2Fit, type Approach2Options, type IsoFlopProfile } from './approach2.js';
export { compareFamilies, compareFitResults, type FamilyComparison, type FamilyInput, type DifferenceEstimate, type LossRatioAtBudget } from './compare.js';
export { fitFamilies, type FitFamiliesOptions, type FamilyFitResult } from './fit-families.js';
export { formatFitTable } from './format.js';
export { synthesizeRuns, type SyntheticOptions } from './synthetic.js';
export { renderVegaLite, plotFontFamily, type PlotOptions, type PlotOutput } from './plots/render.js';
export {
  plotLossVsCompute,
  plotLossVsDataSize,
  plotIsoFlop,
  plotOptimalAllocation,
  plotLearningCurves,
  frontierSeries,
  type LossVsComputeData,
  type LossVsDataSizeData,
  type IsoFlopData,
  type AllocationSeries,
  type LearningCurvesData,
  type FrontierPoint,
} from './plots/plots.js';
export { makeResampler } from './bootstrap.js';
export * from './study/index.js';
export {
  studyComputeFigureData,
  plotStudyLossVsCompute,
  plotStudyDataScaling,
  plotStudyIsoFlop,
  plotLearningCurvesByFamily,
  type GroupedLearningCurves,
} from './plots/study-plots.js';
