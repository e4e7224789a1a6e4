import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/threads/start-worker.js';
import type { CheckedChunk, LeafChunk } from './leaf-chunk.js';

type Reply = { ok: true; checked: CheckedChunk } | { ok: false; from: number; message: string };

/**
 * Threads that check chunks of the audit log (leaf-chunk.ts) for `signpost audit verify`, each
 * on its own connection reading in the verifier's exported snapshot. Reading and decoding rows
 * is most of what verifying costs, and one thread per core (with a PostgreSQL backend each) is
 * what lets a large log verify at the rate the machine can hash. Chunks go round-robin; each
 * thread works through its own in order.
 */
export class LeafCheckThreads {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, { resolve: (checked: CheckedChunk) => void; reject: (error: Error) => void }>();
  #next = 0;

  constructor(options: { databaseUrl: string; snapshotId: string; threads: number }) {
    this.#workers = Array.from({ length: options.threads }, () => {
      const worker = startWorker(import.meta.url, './leaf-check-worker', { databaseUrl: options.databaseUrl, snapshotId: options.snapshotId });
      worker.on('message', (reply: Reply) => this.#settle(reply));
      worker.on('error', (error) => this.#failAll(error));
      worker.on('exit', (code) => { if (this.#pending.size > 0) this.#failAll(new Error(`an audit verify thread stopped (exit code ${String(code)})`)); });
      return worker;
    });
  }

  get threads(): number {
    return this.#workers.length;
  }

  check(chunk: LeafChunk): Promise<CheckedChunk> {
    return new Promise((resolve, reject) => {
      this.#pending.set(chunk.from, { resolve, reject });
      this.#workers[this.#next++ % this.#workers.length]!.postMessage(chunk);
    });
  }

  /** Asks each thread to close its connection and stop; waits for them (stops them after 5 s). */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      worker.once('exit', () => { clearTimeout(timer); resolve(); });
      worker.postMessage(null);
    })));
  }

  #settle(reply: Reply): void {
    const from = reply.ok ? reply.checked.from : reply.from;
    const waiting = this.#pending.get(from);
    this.#pending.delete(from);
    if (reply.ok) waiting?.resolve(reply.checked);
    else waiting?.reject(new Error(`an audit verify thread failed: ${reply.message}`));
  }

  #failAll(error: Error): void {
    for (const waiting of this.#pending.values()) waiting.reject(error);
    this.#pending.clear();
  }
}
