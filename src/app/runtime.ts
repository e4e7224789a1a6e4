import type { Config } from '../platform/config/config.js';
import { createDatabase, pingDatabase, type Db } from '../platform/db/database.js';
import { ownerRights } from '../platform/db/app-role.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../platform/db/embedded-postgres.js';
import { migrateToLatest, MigrationError } from '../platform/db/migrate.js';
import { loadKeyring, type Keyring } from '../platform/crypto/keyring.js';
import { backfillSearchKeys } from '../children/search-key-backfill.js';
import type { Logger } from '../platform/logging/logger.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';

/** An open database (embedded or external), migrated, with the keyring loaded. */
export interface Runtime {
  db: Db;
  /** The URL the app's pool connects with, for work that opens its own connections (threads). */
  databaseUrl: string;
  keys: Keyring;
  /** Set when this process started the embedded server. */
  embedded: EmbeddedServer | undefined;
  close(): Promise<void>;
}

/**
 * Opens what every command needs. With no DATABASE_URL an embedded PostgreSQL is started under
 * the data folder; either way migrations run before anything else touches the database.
 *
 * Migrations run as the schema's owner (the embedded superuser, or DATABASE_MIGRATION_URL); the
 * app's pool then connects as a least-privilege role (the embedded `signpost_app_login`, or
 * DATABASE_URL), which cannot change the schema nor update, delete or truncate the audit log.
 */
export async function openRuntime(config: Config, logger: Logger, options: { migrate?: boolean; onProgress?: ProgressReporter } = {}): Promise<Runtime> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const appUrl = config.databaseUrl ?? embedded!.appUrl;
  const ownerUrl = config.databaseMigrationUrl ?? config.databaseUrl ?? embedded!.url;
  let db: Db | undefined;
  try {
    const keys = loadKeyring({ keyEncryptionKey: config.keyEncryptionKey, dataDir: config.dataDir, wrapKeys: config.wrapKeys });
    if (options.migrate !== false) {
      const owner = createDatabase({ url: ownerUrl, poolSize: 1, applicationName: 'signpost-migrate' });
      try {
        await reachable(owner, ownerUrl, config.databaseMigrationUrl ? 'DATABASE_MIGRATION_URL' : 'DATABASE_URL');
        const results = await migrateToLatest(owner).catch((error: unknown) => {
          if (error instanceof MigrationError && /permission denied/.test(error.message) && !config.databaseMigrationUrl && config.databaseUrl) {
            throw new MigrationError(`${error.message}. DATABASE_URL is a role that may not change the schema: set DATABASE_MIGRATION_URL to the schema owner for migrations.`);
          }
          throw error;
        });
        for (const result of results) logger.info({ migration: result.migrationName, status: result.status }, 'migration');
        // Index values a migration could not derive without the key (it never has the key).
        await backfillSearchKeys(owner, keys, { logger, onProgress: options.onProgress });
      } finally {
        await owner.destroy();
      }
    }
    db = createDatabase({ url: appUrl, poolSize: config.dbPoolSize });
    await reachable(db, appUrl, 'DATABASE_URL');
    if (config.databaseUrl) {
      const rights = await ownerRights(appUrl);
      if (rights.superuser || rights.canCreate) {
        logger.warn(
          { role: rights.role, superuser: rights.superuser },
          'the app connects to PostgreSQL with owner rights (it can change the schema and the audit log); set DATABASE_URL to a member of the signpost_app role and DATABASE_MIGRATION_URL to the owner (docs/OPERATIONS.md)',
        );
      }
    }
    const appDb = db;
    return {
      db: appDb,
      databaseUrl: appUrl,
      keys,
      embedded,
      async close() {
        await appDb.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await db?.destroy();
    await embedded?.stop();
    throw error;
  }
}

async function reachable(db: Db, url: string, variable: string): Promise<void> {
  if (!(await pingDatabase(db, 5_000))) {
    const where = new URL(url);
    throw new MigrationError(`Cannot reach PostgreSQL at ${where.hostname}:${where.port || '5432'}. Check that the server is running and ${variable} is right.`);
  }
}
