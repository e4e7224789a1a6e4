import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, sql, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { MIGRATIONS_DIR } from '../config/paths.js';
import type { Db } from './database.js';


/**
 * A migration may name the tables it changes in bulk (`export const vacuumAfter = [...]`): they are
 * vacuumed and analysed once it has run, outside its transaction (VACUUM cannot run in one).
 * Deleting rows spread over a table clears the visibility map on nearly every page, and until a
 * vacuum the searches' index-only scans fetch the table's rows again: at 1M children, deleting
 * the exact given names left the search's candidate query at 336 per s until one ran (616 after).
 * Autovacuum would wait for a fifth of the table to change.
 */
type SignpostMigration = Migration & { vacuumAfter?: readonly string[] };

/** Loads every timestamp-named migration file, `.ts` under tsx or `.js` once built. */
class FolderMigrationProvider implements MigrationProvider {
  readonly loaded = new Map<string, SignpostMigration>();

  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    for (const file of (await fs.readdir(this.folder)).sort()) {
      if (!/\.(ts|js)$/.test(file) || file.endsWith('.d.ts') || file.endsWith('.test.ts')) continue;
      const module = (await import(pathToFileURL(path.join(this.folder, file)).href)) as SignpostMigration;
      this.loaded.set(file.replace(/\.(ts|js)$/, ''), module);
    }
    return Object.fromEntries(this.loaded);
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Brings the schema up to date; each migration runs in its own transaction, then the vacuums they ask for. */
export async function migrateToLatest(db: Db, folder = MIGRATIONS_DIR): Promise<NonNullable<MigrationResultSet['results']>> {
  const provider = new FolderMigrationProvider(folder);
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
  const ran = (results ?? []).filter((r) => r.status === 'Success' && r.direction === 'Up');
  for (const table of new Set(ran.flatMap((r) => provider.loaded.get(r.migrationName)?.vacuumAfter ?? []))) {
    await sql`VACUUM (ANALYZE) ${sql.table(table)}`.execute(db);
  }
  return results ?? [];
}
