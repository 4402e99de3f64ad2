import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface WorkerInfo {
  id: string;
  host: string;
  backend: string;
  capabilities: Record<string, string>;
  pid: number | null;
  maxParamCount: number | null;
}

/** Registers (or re-registers) a worker; idempotent on its id. */
export async function upsertWorker(db: Kysely<Database>, w: WorkerInfo): Promise<void> {
  await db
    .insertInto('workers')
    .values({
      id: w.id,
      host: w.host,
      backend: w.backend,
      capabilities: JSON.stringify(w.capabilities),
      pid: w.pid,
      max_param_count: w.maxParamCount,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        host: w.host,
        backend: w.backend,
        capabilities: JSON.stringify(w.capabilities),
        pid: w.pid,
        max_param_count: w.maxParamCount,
        last_seen_at: sql`now()`,
      }),
    )
    .execute();
}
