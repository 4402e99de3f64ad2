export type { StudyRun, Estimate, FitStatus, Stratify } from './types.js';
export { validateStudyRuns, seedGroups, makeStatus } from './types.js';
export { flopsModel, flopsPerSample, flopsAt, optimumFromFlops, type FlopsModel, type RunFlopsOptimum } from './flops.js';
export {
  fitStudyFamily,
  fitStatus,
  compareFrontiers,
  SENSITIVITY_GRID,
  type StudyFitOptions,
  type StudyFamilyFit,
  type FrontierBandPoint,
  type FrontierComparison,
  type FrontierRatio,
} from './fit.js';
export { fitIsoFlopFamily, isoFlopBins, type IsoFlopStudyOptions, type IsoFlopStudyFit, type IsoFlopBin } from './isoflop.js';
export {
  fitDataScaling,
  fitDataScalingGroups,
  compareDataEfficiency,
  curveRatios,
  dataLoss,
  dataGroupKey,
  selectByValidation,
  type DataScalingOptions,
  type DataScalingFit,
  type DataScalingSize,
  type DataEfficiencyComparison,
  type CurveRatio,
  type DataCurveParams,
} from './data-scaling.js';
export { replicationScorecard, exponentDifference, PAPER_CLAIMS, type Claim, type Verdict, type ScorecardInput, type ScorecardOptions } from './scorecard.js';
export { analyzeStudy, type StudyAnalysis, type StudyFailure, type StudyAnalysisOptions, type StudyRoles, type StudyRunsInput } from './analyze.js';
export { sensitivityAnalysis, type SensitivityConventions, type SensitivityReport, type SensitivityVariant, type SensitivityChange } from './sensitivity.js';
export { buildStudyReport, jsonSafe, type StudyReportInput } from './report.js';
export { synthesizeStudy, type SyntheticStudyOptions, type SyntheticComputeFamily } from './synthetic.js';
export { compareEnvelopes, type EnvelopeComparison, type EnvelopeRatio, type EnvelopeOptions } from './envelope.js';
