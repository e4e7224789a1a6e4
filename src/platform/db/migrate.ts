import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { MIGRATIONS_DIR } from '../config/paths.js';
import type { Db } from './database.js';


/** Loads every timestamp-named migration file, `.ts` under tsx or `.js` once built. */
class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of (await fs.readdir(this.folder)).sort()) {
      if (!/\.(ts|js)$/.test(file) || file.endsWith('.d.ts') || file.endsWith('.test.ts')) continue;
      const module = (await import(pathToFileURL(path.join(this.folder, file)).href)) as Migration;
      migrations[file.replace(/\.(ts|js)$/, '')] = module;
    }
    return migrations;
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Brings the schema up to date; each migration runs in its own transaction. */
export async function migrateToLatest(db: Db, folder = MIGRATIONS_DIR): Promise<NonNullable<MigrationResultSet['results']>> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(folder) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
  return results ?? [];
}
