import { parentPort, workerData } from 'node:worker_threads';
import { createDatabase } from '../platform/db/database.js';
import { inExportedSnapshot } from './audit.repository.js';
import { checkChunk, type LeafChunk } from './leaf-chunk.js';

/**
 * An audit verify thread (leaf-check-threads.ts): checks the chunks it is sent, one after another,
 * each in the snapshot the verifier exported, and replies with the stored hashes that checked out.
 * `null` asks it to close its connection and stop. It writes nothing and logs nothing.
 */
const { databaseUrl, snapshotId } = workerData as { databaseUrl: string; snapshotId: string };
const db = createDatabase({ url: databaseUrl, poolSize: 1, applicationName: 'signpost-audit-verify' });
let queue = Promise.resolve();

parentPort?.on('message', (chunk: LeafChunk | null) => {
  queue = queue.then(async () => {
    if (chunk === null) {
      await db.destroy();
      parentPort?.close();
      return;
    }
    try {
      const checked = await inExportedSnapshot(db, snapshotId, (tx) => checkChunk(tx, chunk));
      parentPort?.postMessage({ ok: true, checked }, [checked.hashes.buffer as ArrayBuffer]);
    } catch (error) {
      parentPort?.postMessage({ ok: false, from: chunk.from, message: error instanceof Error ? error.message : String(error) });
    }
  });
});
