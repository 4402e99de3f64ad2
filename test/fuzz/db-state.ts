/**
 * A fingerprint of everything stored in an equiscale database: row counts of every table and an md5 over every
 * row (timestamps included), so "a refused request wrote nothing" is a plain equality of two fingerprints.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '@equiscale/db';

export interface DbState {
  sweeps: number;
  trials: number;
  metrics: number;
  checkpoints: number;
  workers: number;
  hash: string;
}

export async function dbState(db: Kysely<Database>): Promise<DbState> {
  const r = await sql<DbState>`
    select (select count(*) from sweeps)::int as sweeps,
           (select count(*) from trials)::int as trials,
           (select count(*) from trial_metrics)::int as metrics,
           (select count(*) from checkpoints)::int as checkpoints,
           (select count(*) from workers)::int as workers,
           md5(concat_ws('#',
             (select string_agg(s::text, '|' order by s.id) from sweeps s),
             (select string_agg(t::text, '|' order by t.id) from trials t),
             (select string_agg(m::text, '|' order by m.trial_id, m.attempt, m.split, m.step) from trial_metrics m),
             (select string_agg(c.id::text || ':' || c.sha256, '|' order by c.id) from checkpoints c),
             (select string_agg(w::text, '|' order by w.id) from workers w))) as hash`.execute(db);
  return r.rows[0]!;
}
