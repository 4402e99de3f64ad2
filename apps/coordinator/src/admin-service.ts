/** AdminService: launch, inspect and cancel sweeps (what the CLI calls). */
import type { AdminServiceServer, SweepSummary, TrialSummary } from '@equiscale/contract';
import { invalidArgument, notFound, Trial } from '@equiscale/contract';
import type { TrialRecord } from '@equiscale/sweeps';
import {
  cancelSweep,
  createSweep,
  getSweepByName,
  listSweeps,
  listTrialRecords,
  SweepConflictError,
  sweepOverview,
  type Database,
  type DbSweep,
  type TrialStatus,
} from '@equiscale/db';
import type { Kysely } from 'kysely';
import type { ServiceImpl } from './middleware.js';
import { checkOnlyAdditions, planFromText, type SweepPlanRows } from './sweep-plan.js';
import * as v from './validate.js';

export interface AdminServiceDeps {
  db: Kysely<Database>;
  /** spec text → validated plan; throws SweepSpecError on bad input (injectable for tests) */
  plan?: (text: string, format?: 'yaml' | 'json') => SweepPlanRows;
}

const STATUSES: readonly TrialStatus[] = ['pending', 'running', 'completed', 'diverged', 'failed', 'cancelled'];
const SWEEP_NAME = 'a sweep name';
const DEFAULT_TRIAL_LIMIT = 1000;
const MAX_TRIAL_LIMIT = 10_000;

async function summary(db: Kysely<Database>, sweep: DbSweep): Promise<SweepSummary> {
  const o = await sweepOverview(db, sweep);
  return {
    sweepId: Number(sweep.id),
    name: sweep.name,
    status: sweep.status,
    specHash: sweep.spec_hash,
    counts: o.counts,
    createdAtMs: new Date(sweep.created_at).getTime(),
    doneNominalFlops: o.doneNominalFlops,
    remainingNominalFlops: o.remainingNominalFlops,
    elapsedS: o.elapsedS,
    etaS: o.etaS ?? -1,
    plannedNominalFlops: o.compute.plannedFlops,
    independentNominalFlops: o.compute.independentFlops,
    trunks: o.compute.trunks,
    branches: o.compute.branches,
  };
}

function trialSummary(t: TrialRecord): TrialSummary {
  return {
    trialId: t.id,
    trial: Trial.fromPartial(t.trial),
    status: t.status,
    attempt: t.attempt,
    trainLoss: t.trainLoss ?? undefined,
    valLoss: t.valLoss ?? undefined,
    testLoss: t.testLoss ?? undefined,
    error: t.error ?? '',
    progressStep: t.progressStep,
    stopping: t.stopping ?? undefined,
    leaseOwner: t.leaseOwner ?? '',
  };
}

export function adminServiceImpl(deps: AdminServiceDeps): ServiceImpl<AdminServiceServer> {
  const { db } = deps;
  const plan = deps.plan ?? planFromText;
  const sweepByName = async (name: string, field: string) => {
    const sweep = await getSweepByName(db, v.text(name, field, 63, SWEEP_NAME));
    if (!sweep) throw notFound(`${field}: no sweep named "${name}"; list them with \`equiscale status\``);
    return sweep;
  };
  return {
    async createSweep(req) {
      v.text(req.specText, 'spec_text', v.MAX_SPEC_BYTES, 'the sweep spec as YAML or JSON text');
      const format = req.format === '' ? undefined : v.oneOf(req.format, 'format', ['yaml', 'json'] as const);
      const p = plan(req.specText, format);
      const r = await createSweep(db, {
        name: p.name,
        spec: p.spec,
        specHash: p.specHash,
        maxAttempts: p.maxAttempts,
        trials: p.trials,
        extend: req.extend,
        checkExtension: (stored) =>
          checkOnlyAdditions(stored, p, (msg) => {
            throw new SweepConflictError(`sweep "${p.name}": ${msg}`);
          }),
      });
      return {
        sweepId: r.sweepId,
        name: p.name,
        created: r.created,
        trialCount: r.trialCount,
        addedTrials: r.added,
        specHash: p.specHash,
      };
    },

    async getSweep(req) {
      return { sweep: await summary(db, await sweepByName(req.name, 'name')) };
    },

    async listSweeps() {
      const all = await listSweeps(db);
      const sweeps: SweepSummary[] = [];
      for (const s of all) sweeps.push(await summary(db, s));
      return { sweeps };
    },

    async listTrials(req) {
      const sweep = await sweepByName(req.sweepName, 'sweep_name');
      const status = req.status === '' ? undefined : v.oneOf(req.status, 'status', STATUSES);
      const limit = v.nonNegInt(req.limit, 'limit');
      if (limit > MAX_TRIAL_LIMIT) {
        throw invalidArgument(`limit: expected at most ${MAX_TRIAL_LIMIT} (0: ${DEFAULT_TRIAL_LIMIT}), got ${limit}; page with after_trial_id`);
      }
      const afterId = v.nonNegInt(req.afterTrialId, 'after_trial_id');
      const rows = await listTrialRecords(db, Number(sweep.id), {
        status,
        limit: limit || DEFAULT_TRIAL_LIMIT,
        afterId: afterId || undefined,
      });
      return { trials: rows.map(trialSummary) };
    },

    async cancelSweep(req) {
      const sweep = await sweepByName(req.name, 'name');
      return { cancelledTrials: await cancelSweep(db, Number(sweep.id)) };
    },
  };
}
