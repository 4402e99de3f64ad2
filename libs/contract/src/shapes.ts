/**
 * Compile-time checks (tsc, the typecheck target) that the science libs' types are the wire messages: the planner's
 * Trial (libs/sweeps, which may not import this contract) is equiscale.v1.Trial, and the models lib's MetricPoint is
 * equiscale.v1.MetricPoint, so they cross gRPC and the database as is, without a mapping. A field added on one side
 * only fails the typecheck here. Nothing runs; the functions exist for the type checker.
 */
import type { MetricPoint as ModelsMetricPoint, SymmetryReport } from '@equiscale/models/accounting';
import type { Trial as PlannedTrial, TrainingSettings as PlannedTraining, TrialPlan as PlannedPlan, TrialEarlyStopping, TrialStopping as StoredStopping } from '@equiscale/sweeps';
import type { EarlyStoppingReport } from '@equiscale/models/accounting';
import type { EarlyStopping, Trial, TrainingSettings, TrialPlan, TrialStopping } from './gen/equiscale/v1/trial.js';
import type { MetricPoint, SymmetryMeasures } from './gen/equiscale/v1/worker.js';

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : { onlyLeft: Exclude<keyof A, keyof B>; onlyRight: Exclude<keyof B, keyof A> };
const same = <T extends true>(_: T) => _;

/** A planned trial is sent as the message, unchanged. */
export const trialIsTheMessage = (t: PlannedTrial): Trial => t;
same<SameKeys<PlannedTrial, Trial>>(true);
same<SameKeys<PlannedTraining, TrainingSettings>>(true);
same<SameKeys<PlannedPlan, TrialPlan>>(true);
same<SameKeys<TrialEarlyStopping, EarlyStopping>>(true);

/** How early stopping ended: the trainer's report is the wire message, and the stored record's. */
export const stoppingIsTheMessage = (s: EarlyStoppingReport): TrialStopping => s;
export const storedStoppingIsTheMessage = (s: StoredStopping): TrialStopping => s;
same<SameKeys<EarlyStoppingReport, TrialStopping>>(true);
same<SameKeys<StoredStopping, TrialStopping>>(true);

/** One metric point type end to end: the trainer's points are the message's. */
export const metricPointIsTheMessage = (p: ModelsMetricPoint): MetricPoint => p;
same<SameKeys<ModelsMetricPoint, MetricPoint>>(true);

/** What a symmetry family measured: the trainer's report is the completion's message. */
export const symmetryIsTheMessage = (m: SymmetryReport): SymmetryMeasures => m;
same<SameKeys<SymmetryReport, SymmetryMeasures>>(true);
