/**
 * `equiscale sweep plan SPEC [--json]` / `equiscale sweep plan --preset quick|demo|study [--json]`: the dry run of
 * a sweep or of a built-in study. Validates the spec exactly as `sweep launch` does (the coordinator runs the same
 * planSweep, so the field-named errors are the same), expands it into its cells (WSD trunks and branches with
 * their dependencies), and prints cells, totals and an estimated duration (demo/estimate.ts: per trial, per
 * step and layer, executed FLOPs; plus generating the datasets), without a database or a coordinator.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { normalizeSpec, parseSpecText, planSweep, planTotals, type PlanTotals, type Trial } from '@equiscale/sweeps';
import { parsePositiveInt, UsageError } from '../errors.js';
import { fmtNum, formatDuration, textTable } from './common.js';
import { EXECUTED_FLOPS_PER_S, STEP_LAYER_S, TRIAL_OVERHEAD_S, trialSeconds } from '../demo/estimate.js';
import { demoStudy, PRESETS, type PresetName } from '../demo/specs.js';

/** Examples simulated per second when generating a dataset (≈ 200/s measured per worker at load ≈ 10; more on a quieter machine). */
export const DATASET_EXAMPLES_PER_S = 300;
/** Fits, bootstrap, sensitivity, figures and report at the end: 9 s measured on a study-sized planted study (270 runs, 200 resamples); allowance for load. */
export const ANALYSIS_S = 60;

/** One planned trial as `sweep plan --json` lists it (a flat view of the Trial; the issue's documented fields). */
export interface PlanCell {
  key: string;
  family: string;
  sizeLabel: string;
  paramCount: number;
  steps: number;
  trainSize: number;
  seed: number;
  role: 'run' | 'trunk' | 'branch' | 'student';
  /** nominal FLOPs the sweep spends on the cell (a branch: its cooldown only) */
  plannedFlops: number;
  /** nominal FLOPs of the same cell trained as an independent run (what the fits use) */
  equivalentFlops: number;
  /** the trunk cell's key for a WSD branch, the teacher's for a student (transformer+clone); null otherwise */
  parent: string | null;
  branchStep: number | null;
  /** a trunk's branch points (checkpoints kept for its branches) */
  checkpointAt: number[];
  flopBudget: number | null;
  /** a student: steps imitating its teacher, and its share of the teacher's training (nominal FLOPs) */
  cloneSteps?: number;
  teacherFlops?: number;
}

export const planCell = (c: Trial): PlanCell => ({
  key: c.cellKey,
  family: c.family,
  sizeLabel: c.sizeLabel,
  paramCount: c.plan.paramCount,
  steps: c.steps,
  trainSize: c.trainSize,
  seed: c.seed,
  role: c.role ?? 'run',
  plannedFlops: c.plan.spentNominalFlops ?? c.plan.nominalFlops,
  equivalentFlops: c.plan.nominalFlops,
  parent: c.parent ?? null,
  branchStep: c.branchStep ?? null,
  checkpointAt: c.training.checkpointAt,
  flopBudget: c.plan.flopBudget ?? null,
  ...(c.training.cloneSteps !== undefined ? { cloneSteps: c.training.cloneSteps } : {}),
  ...(c.plan.teacherNominalFlops !== undefined ? { teacherFlops: c.plan.teacherNominalFlops } : {}),
});

export interface PlanOutput {
  name: string;
  specHash: string;
  cells: PlanCell[];
  totals: PlanTotals & { executedFlops: number; dropped: number };
  estimatedMinutes: number;
  workers: number;
}

/** Executed FLOPs a sweep actually runs: a branch runs only its cooldown steps. */
const executedRun = (cells: readonly Trial[]) => cells.reduce((a, c) => a + (c.plan.executedFlops * (c.plan.spentNominalFlops ?? c.plan.nominalFlops)) / c.plan.nominalFlops, 0);

/** Seconds to generate the training sets (one per distinct benchmark config and size) and the val/test splits. */
function datasetSeconds(cells: readonly Trial[], valTest: number): number {
  const sets = new Map<string, number>();
  for (const c of cells) sets.set(`${c.benchmark.configHash}|${c.trainSize}`, c.trainSize);
  const configs = new Set(cells.map((c) => c.benchmark.configHash)).size;
  return ([...sets.values()].reduce((a, b) => a + b, 0) + configs * valTest) / DATASET_EXAMPLES_PER_S;
}

/** The plan of a spec text; throws SweepSpecError (field-named) on a bad spec. */
export function planOutput(text: string, format: 'yaml' | 'json' | undefined, workers = 1): PlanOutput {
  const plan = planSweep(parseSpecText(text, format));
  const seconds = plan.cells.reduce((a, c) => a + trialSeconds(c), 0) / workers;
  return {
    name: plan.spec.name,
    specHash: plan.specHash,
    cells: plan.cells.map(planCell),
    totals: { ...planTotals(plan.cells), executedFlops: executedRun(plan.cells), dropped: plan.dropped.length },
    estimatedMinutes: Math.round((seconds / 60) * 10) / 10,
    workers,
  };
}

const ESTIMATE_BASIS = `${STEP_LAYER_S.transformer * 1000} ms per transformer layer and ${STEP_LAYER_S.gatr * 1000} ms per GATr block per step, ${fmtNum(EXECUTED_FLOPS_PER_S, 2)} executed FLOPs/s, ${TRIAL_OVERHEAD_S} s per trial (calibrated to the demo on this 2-core machine with other work beside it)`;

export function formatPlan(p: PlanOutput): string {
  const t = p.totals;
  const lines = [
    `sweep ${p.name}: ${t.cells} trials (${t.runs} independent, ${t.trunks} WSD trunks, ${t.branches} branches${t.students ? `, ${t.students} cloning students` : ''}), ${t.points} fit points` +
      (t.dropped ? `, ${t.dropped} iso-FLOP cells dropped` : ''),
    textTable(
      ['cell', 'role', 'params', 'steps', 'n_train', 'seed', 'planned FLOPs', 'as a run', 'parent', 'from step'],
      p.cells.map((c) => [
        c.key, c.role, c.paramCount, c.steps, c.trainSize, c.seed, fmtNum(c.plannedFlops, 3), fmtNum(c.equivalentFlops, 3),
        c.parent ?? '', c.branchStep ?? (c.checkpointAt.length ? `ckpt ${c.checkpointAt.join(',')}` : ''),
      ]),
    ),
    `planned ${fmtNum(t.plannedFlops, 3)} nominal FLOPs; as independent runs ${fmtNum(t.independentFlops, 3)}` +
      (t.trunks ? ` (${t.saving.toFixed(2)}× fewer FLOPs with WSD branches)` : ''),
    `estimated ${formatDuration(p.estimatedMinutes * 60)} of training with ${p.workers} worker${p.workers === 1 ? '' : 's'} (${ESTIMATE_BASIS})`,
  ];
  return lines.join('\n');
}

// ---- presets ----

export interface PresetPlan {
  preset: PresetName;
  study: string;
  stages: { sweeps: { name: string; purpose: string | null; trials: number; trunks: number; branches: number; points: number; trainingSeconds: number }[] }[];
  /** the design in numbers: per family the sizes with parameter counts and their span, seeds, branches, data sizes */
  design: Record<string, unknown>;
  totals: { trials: number; fitPoints: number; plannedNominalFlops: number; executedFlops: number };
  estimate: { workers: number; trainingMinutes: number; datasetMinutes: number; analysisMinutes: number; minutes: number; basis: string };
  estimatedMinutes: number;
}

export function presetPlan(preset: PresetName, workers: number): PresetPlan {
  const study = demoStudy(preset);
  const stages = study.stages.map((stage) =>
    stage(new Map()).map((sw) => {
      const spec = normalizeSpec(sw.spec);
      return { purpose: sw.purpose ?? null, spec, cells: planSweep(spec).cells };
    }),
  );
  const all = stages.flat().flatMap((s) => s.cells);
  const seconds = (cells: readonly Trial[]) => cells.reduce((a, c) => a + trialSeconds(c), 0);
  const trainingS = seconds(all) / workers;
  const benchmark = (stages[0]![0]!.spec as { benchmark: { valExamples: number; testExamples: number } }).benchmark;
  const datasetS = datasetSeconds(all, benchmark.valExamples + benchmark.testExamples);
  const analysisS = preset === 'quick' ? 10 : ANALYSIS_S;
  const minutes = Math.ceil((trainingS + datasetS + analysisS) / 60);
  // trials with early stopping are estimated at their step cap (trialSeconds): an upper bound
  const earlyStopped = all.filter((c) => c.training.earlyStopping).length;
  // the design in numbers, from the planned trials
  const byPurpose = (p: string | null) => stages.flat().filter((s) => s.purpose === p).flatMap((s) => s.cells);
  const compute = preset === 'study' ? byPurpose('compute') : all;
  const families = [...new Set(compute.map((c) => c.family))];
  const sizes = Object.fromEntries(
    families.map((f) => {
      const ps = [...new Map(compute.filter((c) => c.family === f).map((c) => [c.sizeLabel, c.plan.paramCount])).entries()];
      const counts = ps.map(([, n]) => n);
      return [f, { sizes: ps.map(([label, params]) => ({ label, params })), span: Math.round((Math.max(...counts) / Math.min(...counts)) * 10) / 10 }];
    }),
  );
  const trunks = compute.filter((c) => c.role === 'trunk');
  const branchesPerTrunk = trunks.length ? compute.filter((c) => c.role === 'branch').length / trunks.length : 0;
  const maxSamples = Math.max(...compute.filter((c) => c.role !== 'trunk').map((c) => c.steps * c.training.batchSize));
  const data = preset === 'study' ? byPurpose('data') : [];
  const dataSizes = [...new Set(data.map((c) => c.trainSize))].sort((a, b) => a - b);
  const design: Record<string, unknown> = {
    ...(study.design ?? {}),
    computeSizes: sizes,
    seeds: [...new Set(compute.map((c) => c.seed))],
    wsd: { trunks: trunks.length, branchesPerTrunk },
    freshData: { maxSamplesSeen: maxSamples, trainSizes: [...new Set(compute.map((c) => c.trainSize))], eachSampleAtMostOnce: compute.every((c) => c.steps * c.training.batchSize <= c.trainSize) },
    ...(data.length
      ? {
          dataScalingSizes: {
            trainSizes: dataSizes,
            span: dataSizes[dataSizes.length - 1]! / dataSizes[0]!,
            // at the step cap: with early stopping a run may stop sooner (each run's epochs are recorded with its result)
            epochsAtCap: dataSizes.map((n) => Math.round(((data[0]!.steps * data[0]!.training.batchSize) / n) * 10) / 10),
            earlyStopping: data[0]!.training.earlyStopping ?? null,
            families: [...new Set(data.map((c) => c.family))],
          },
        }
      : {}),
  };
  return {
    preset,
    study: study.name,
    stages: stages.map((st) => ({
      sweeps: st.map((s) => {
        const t = planTotals(s.cells);
        return { name: s.spec.name, purpose: s.purpose, trials: t.cells, trunks: t.trunks, branches: t.branches, points: t.points, trainingSeconds: Math.round(seconds(s.cells) / workers) };
      }),
    })),
    design,
    totals: { trials: all.length, fitPoints: planTotals(all).points, plannedNominalFlops: planTotals(all).plannedFlops, executedFlops: executedRun(all) },
    estimate: {
      workers,
      trainingMinutes: Math.round((trainingS / 60) * 10) / 10,
      datasetMinutes: Math.round((datasetS / 60) * 10) / 10,
      analysisMinutes: Math.round((analysisS / 60) * 10) / 10,
      minutes,
      basis:
        `${ESTIMATE_BASIS}; ${DATASET_EXAMPLES_PER_S} simulated examples/s per dataset; ${analysisS} s for fits and report` +
        (earlyStopped ? `; the ${earlyStopped} trials with early stopping at their step cap (an upper bound: they stop sooner)` : ''),
    },
    estimatedMinutes: minutes,
  };
}

export function formatPresetPlan(p: PresetPlan): string {
  const lines = [`preset ${p.preset} (study "${p.study}"): ${p.totals.trials} trials, ${p.totals.fitPoints} fit points, in ${p.stages.length} stage${p.stages.length === 1 ? '' : 's'}`];
  p.stages.forEach((st, i) => {
    lines.push(`stage ${i + 1}:`);
    for (const s of st.sweeps)
      lines.push(`  ${s.name}${s.purpose ? ` (${s.purpose})` : ''}: ${s.trials} trials${s.trunks ? ` (${s.trunks} WSD trunks, ${s.branches} branches)` : ''}, ~${formatDuration(s.trainingSeconds)} of training`);
  });
  const d = p.design as { computeSizes: Record<string, { sizes: { label: string; params: number }[]; span: number }>; seeds: number[]; wsd: { trunks: number; branchesPerTrunk: number }; freshData: { maxSamplesSeen: number; trainSizes: number[]; eachSampleAtMostOnce: boolean }; dataScalingSizes?: { trainSizes: number[]; span: number; epochsAtCap: number[]; earlyStopping: { patience: number; minImprovement: number } | null } };
  lines.push('design:');
  for (const [f, s] of Object.entries(d.computeSizes)) lines.push(`  ${f}: ${s.sizes.map((x) => `${x.label} ${x.params}`).join(', ')} parameters (span ${s.span}×)`);
  lines.push(`  seeds ${d.seeds.join(', ')}; WSD: ${d.wsd.trunks} trunks, ${d.wsd.branchesPerTrunk} branches each`);
  lines.push(`  compute runs see at most ${d.freshData.maxSamplesSeen} samples of training sets of ${d.freshData.trainSizes.join(', ')}${d.freshData.eachSampleAtMostOnce ? ' (each sample at most once)' : ''}`);
  if (d.dataScalingSizes) {
    const es = d.dataScalingSizes.earlyStopping;
    lines.push(
      `  data scaling: training sets ${d.dataScalingSizes.trainSizes.join(', ')} (span ${d.dataScalingSizes.span}×), ${d.dataScalingSizes.epochsAtCap.join(', ')} epochs at the step cap` +
        (es ? `; early stopping on validation (patience ${es.patience}, ${es.minImprovement * 100}% minimum improvement) ends runs sooner` : ''),
    );
  }
  const e = p.estimate;
  lines.push(
    `estimated ${e.minutes} min with ${e.workers} worker${e.workers === 1 ? '' : 's'}: training ${e.trainingMinutes} min, datasets ${e.datasetMinutes} min, analysis ${e.analysisMinutes} min`,
    `  (${e.basis})`,
  );
  return lines.join('\n');
}

export function registerSweepPlanCommand(sweep: Command): void {
  sweep
    .command('plan [spec]')
    .description('dry run: validate a spec (or show a built-in study with --preset) and list its trials (WSD trunks and branches), planned FLOPs and an estimated time; no database or coordinator')
    .option('--preset <name>', `a built-in study of \`equiscale demo\`: ${PRESETS.join(', ')}`)
    .option('--json', 'print JSON: { cells, totals, estimatedMinutes } (with --preset: { stages, design, totals, estimate, estimatedMinutes })')
    .option('--workers <n>', 'workers for the time estimate (default 1; with --preset one per core, as the demo runs)')
    .action((specPath: string | undefined, o: { json?: boolean; workers?: string; preset?: string }) => {
      if (o.preset !== undefined) {
        if (specPath) throw new UsageError('sweep plan: give a spec file or --preset NAME, not both');
        if (!(PRESETS as readonly string[]).includes(o.preset)) throw new UsageError(`sweep plan: --preset ${o.preset} is not a preset; use one of ${PRESETS.join(', ')}`);
        const workers = o.workers === undefined ? availableParallelism() : parsePositiveInt('--workers', o.workers);
        const out = presetPlan(o.preset as PresetName, workers);
        console.log(o.json ? JSON.stringify(out, null, 2) : formatPresetPlan(out));
        return;
      }
      if (!specPath) throw new UsageError('sweep plan: give a spec file (or --preset quick|demo|study)');
      const workers = parsePositiveInt('--workers', o.workers ?? '1');
      let text: string;
      try {
        text = readFileSync(specPath, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read spec file ${specPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const format = /\.json$/i.test(specPath) ? 'json' : /\.ya?ml$/i.test(specPath) ? 'yaml' : undefined;
      let out: PlanOutput;
      try {
        out = planOutput(text, format, workers);
      } catch (e) {
        if (e instanceof Error && e.name === 'SweepSpecError') throw new UsageError(`sweep plan: ${e.message}`);
        throw e;
      }
      console.log(o.json ? JSON.stringify(out, null, 2) : formatPlan(out));
    });
}
