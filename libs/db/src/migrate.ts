import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository's migrations/ folder: numbered files, only ever added. */
export const MIGRATIONS_DIR = new URL('../../../migrations/', import.meta.url).pathname;

/** Loads migrations/NNNN_name.ts in name order. */
class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    const files = readdirSync(this.dir)
      .filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f))
      .sort();
    for (const f of files) {
      const mod = (await import(pathToFileURL(join(this.dir, f)).href)) as Migration;
      out[f.replace(/\.ts$/, '')] = { up: mod.up };
    }
    return out;
  }
}

/** Applies every pending migration, each in its own transaction; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, dir = MIGRATIONS_DIR): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(dir) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return results;
}

/** Applies migrations up to and including `name` (e.g. "0001_initial"); tests of old databases use it. */
export async function migrateTo(db: Kysely<any>, name: string, dir = MIGRATIONS_DIR): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(dir) });
  const { error, results = [] } = await migrator.migrateTo(name);
  if (error) throw new Error(`database migration to ${name} failed: ${(error as Error).message}`, { cause: error });
  return results;
}
