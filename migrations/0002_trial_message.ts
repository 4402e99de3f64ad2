import { sql, type Kysely } from 'kysely';
import { benchmarkConfigHash, type BenchmarkConfig } from '@equiscale/rigid-body';

/**
 * One trial, one shape: each trial row stores its trial once, as the proto message equiscale.v1.Trial in JSON form
 * (column `trial`, camelCase field names as libs/sweeps builds it), instead of twelve columns plus a `cell` JSON that
 * repeated the sweep's benchmark config. The benchmark config stays in the sweep row (sweeps.spec.benchmark); the
 * trial names it by hash. Sweeps get `baselines` (the trivial predictors' test losses, measured once by a worker).
 *
 * Existing rows are converted in place (old cells keep their keys, settings and results), so databases written by
 * 0001 keep working. The columns queries filter, group or order by (cell_key, family, param_count,
 * nominal_flops) become generated columns over `trial`: derived, never stored a second time by hand.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sweeps add column baselines jsonb`.execute(db);
  await sql`alter table trials add column trial jsonb`.execute(db);

  // The benchmark's hash per sweep (computed here, in TypeScript, like the planner does).
  const sweeps = await sql<{ id: number; spec: unknown }>`select id, spec from sweeps`.execute(db);
  for (const s of sweeps.rows) {
    const spec = (typeof s.spec === 'string' ? JSON.parse(s.spec) : s.spec) as { benchmark?: BenchmarkConfig } | null;
    let hash = '';
    try {
      if (spec?.benchmark) hash = benchmarkConfigHash(spec.benchmark);
    } catch {
      hash = ''; // a spec without a valid benchmark (never written by the planner): the trial names none
    }
    await sql`
      update trials t set trial = jsonb_build_object(
        'cellKey', t.cell_key,
        'family', t.family,
        'modelFamily', t.model_family,
        'augment', t.augment,
        'sizeLabel', t.size_label,
        'dims', jsonb_build_object(t.model_family, t.model_config - 'family'),
        'benchmark', jsonb_build_object('name', 'rigid-body', 'configHash', ${hash}::text),
        'training', jsonb_build_object(
          'batchSize', t.batch_size,
          'lr', coalesce(t.cell -> 'lr', jsonb_build_object('peak', 0, 'kind', 'cosine', 'warmupSteps', 0, 'minRatio', 0, 'cooldownFraction', 0)),
          'gradClip', coalesce(t.cell -> 'gradClip', '0'::jsonb),
          'evalEvery', coalesce(t.cell -> 'evalEvery', '0'::jsonb),
          'evalExamples', coalesce(t.cell -> 'evalExamples', '0'::jsonb),
          'checkpointEvery', coalesce(t.cell -> 'checkpointEvery', '0'::jsonb)
        ),
        'seed', t.seed,
        'steps', t.steps,
        'trainSize', t.train_size,
        'plan', jsonb_build_object(
          'paramCount', t.param_count,
          'nominalFlopsPerSample', coalesce(t.cell -> 'nominalFlopsPerSample', to_jsonb(t.nominal_flops / (t.batch_size::float8 * t.steps))),
          'nominalFlops', t.nominal_flops,
          'executedFlops', coalesce(t.cell -> 'executedFlops', '0'::jsonb)
        ) || case when jsonb_typeof(t.cell -> 'flopBudget') = 'number' then jsonb_build_object('flopBudget', t.cell -> 'flopBudget') else '{}'::jsonb end
      )
      where t.sweep_id = ${s.id}
    `.execute(db);
  }
  await sql`alter table trials alter column trial set not null`.execute(db);

  // Drop the copies; cell_key, family, param_count and nominal_flops come back derived from `trial` (dropping them
  // drops the unique constraint and the claim index, recreated below as in 0001).
  for (const c of ['cell', 'model_family', 'augment', 'size_label', 'model_config', 'steps', 'train_size', 'seed', 'batch_size', 'cell_key', 'family', 'param_count', 'nominal_flops']) {
    await sql`alter table trials drop column ${sql.ref(c)}`.execute(db);
  }
  await sql`alter table trials add column cell_key text generated always as (trial ->> 'cellKey') stored not null`.execute(db);
  await sql`alter table trials add column family text generated always as (trial ->> 'family') stored not null`.execute(db);
  await sql`alter table trials add column param_count bigint generated always as ((trial -> 'plan' ->> 'paramCount')::bigint) stored not null`.execute(db);
  await sql`alter table trials add column nominal_flops double precision generated always as ((trial -> 'plan' ->> 'nominalFlops')::double precision) stored not null`.execute(db);
  await sql`alter table trials add constraint trials_sweep_cell_key unique (sweep_id, cell_key)`.execute(db);
  await sql`alter table trials add constraint trials_steps_positive check ((trial ->> 'steps')::int > 0 and (trial ->> 'trainSize')::int > 0)`.execute(db);
  await sql`create index trials_claim_idx on trials (nominal_flops, id) where status = 'pending'`.execute(db);
}
