import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * CPU time spent on a run, beside its throughput: the CPU an answer takes (the service's process
 * and every PostgreSQL process, not the load generator) and PostgreSQL's part of it, which say
 * where the cost lies and how many answers two cores can give. It moves with this shared machine
 * as the rate does (5.2 ms a search on a slow stretch, 4.0 on a fast one, the same code), so
 * versions are compared by runs that alternate. Read from /proc: Linux only (elsewhere the
 * figure is left out).
 */

/**
 * Which processes a run's CPU is counted over, in two parts: the answering process (this one, for
 * the in-process baselines; the service's, by pid; or 'children', the commands this process runs
 * and waits for, such as `signpost import`) and the world's PostgreSQL server.
 */
export interface CpuSources {
  app: 'self' | 'children' | number;
  postgres: () => readonly number[];
}

/** CPU (ms) a run used: the answering process's and PostgreSQL's. */
export interface CpuUsed {
  appMs: number;
  postgresMs: number;
}

const TICKS_PER_SECOND = 100;
const PROC = existsSync('/proc/self/stat');

/**
 * A process's /proc/<pid>/stat fields after its command name (which may hold spaces): the parent
 * pid is the 2nd; utime and stime the 12th and 13th; cutime and cstime, the CPU of its children
 * that have ended and been waited for, the 14th and 15th. Undefined once the process has gone.
 */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const ticksToMs = (fields: readonly string[], from: number) => ((Number(fields[from]) + Number(fields[from + 1])) * 1000) / TICKS_PER_SECOND;

/**
 * User + system CPU (ms) of the processes that can be read, their ended children's included:
 * a PostgreSQL backend that ends during a run (a command's connections close before it exits)
 * moves into the postmaster's count, so the sum over the server stays whole.
 */
function cpuMsOf(pids: readonly number[]): number {
  let ms = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields) ms += ticksToMs(fields, 11) + ticksToMs(fields, 13);
  }
  return ms;
}

/** The CPU (ms) of this process's children that have ended and been waited for. */
function endedChildrenMs(): number {
  const fields = statFields('self');
  return fields ? ticksToMs(fields, 13) : 0;
}

/** The processes of the PostgreSQL server whose cluster is `clusterDir`: the postmaster (postmaster.pid) and its children. */
export function postgresPids(clusterDir: string): number[] {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return [];
  }
  const pids = [postmaster];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (/^\d+$/.test(entry) && Number(statFields(entry)?.[1]) === postmaster) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Starts counting; `stop` returns the CPU (ms) used since, or undefined where /proc cannot be
 * read. A process that started meanwhile counts whole; one that ended meanwhile counts through
 * the parent that waited for it (PostgreSQL's postmaster, or this process for 'children').
 */
export function startCpuMeter(sources: CpuSources): { stop(): CpuUsed | undefined } {
  const { app } = sources;
  const appMs = (): number => {
    if (app === 'self') {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1000;
    }
    return app === 'children' ? endedChildrenMs() : cpuMsOf([app]);
  };
  const appBefore = appMs();
  const postgresBefore = cpuMsOf(sources.postgres());
  return {
    stop() {
      if (!PROC) return undefined;
      return { appMs: appMs() - appBefore, postgresMs: cpuMsOf(sources.postgres()) - postgresBefore };
    },
  };
}
