import type { Config } from '../platform/config/config.js';
import { createDatabase, pingDatabase, type Db } from '../platform/db/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../platform/db/embedded-postgres.js';
import { migrateToLatest, MigrationError } from '../platform/db/migrate.js';
import { loadKeyring, type Keyring } from '../platform/crypto/keyring.js';
import type { Logger } from '../platform/logging/logger.js';

/** An open database (embedded or external), migrated, with the keyring loaded. */
export interface Runtime {
  db: Db;
  keys: Keyring;
  /** Set when this process started the embedded server. */
  embedded: EmbeddedServer | undefined;
  close(): Promise<void>;
}

/**
 * Opens what every command needs. With no DATABASE_URL an embedded PostgreSQL is started under
 * the data folder; either way migrations run before anything else touches the database.
 */
export async function openRuntime(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Runtime> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const url = config.databaseUrl ?? embedded!.url;
  const db = createDatabase({ url, poolSize: config.dbPoolSize });
  try {
    if (!(await pingDatabase(db, 5_000))) {
      const where = new URL(url);
      throw new MigrationError(`Cannot reach PostgreSQL at ${where.hostname}:${where.port || '5432'}. Check that the server is running and DATABASE_URL is right.`);
    }
    if (options.migrate !== false) {
      const results = await migrateToLatest(db);
      for (const result of results) logger.info({ migration: result.migrationName, status: result.status }, 'migration');
    }
    const keys = loadKeyring({ keyEncryptionKey: config.keyEncryptionKey, dataDir: config.dataDir, wrapKeys: config.wrapKeys });
    return {
      db,
      keys,
      embedded,
      async close() {
        await db.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await db.destroy();
    await embedded?.stop();
    throw error;
  }
}
