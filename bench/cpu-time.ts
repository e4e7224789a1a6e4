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
 * the in-process baselines, or the service's) and the world's PostgreSQL server.
 */
export interface CpuSources {
  app: 'self' | number;
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
 * pid is the 2nd, utime and stime the 12th and 13th. Undefined once the process has gone.
 */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** user + system CPU (ms) of each process that can be read, by pid. */
function cpuMsByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields) out.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
  }
  return out;
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
 * read. A process that started meanwhile counts whole; one that ended meanwhile is not counted
 * (the pools' connections live through a run).
 */
export function startCpuMeter(sources: CpuSources): { stop(): CpuUsed | undefined } {
  const appPid = sources.app === 'self' ? [] : [sources.app];
  const before = cpuMsByPid([...appPid, ...sources.postgres()]);
  const selfBefore = process.cpuUsage();
  const usedSince = (after: Map<number, number>) => {
    let ms = 0;
    for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
    return ms;
  };
  return {
    stop() {
      if (!PROC) return undefined;
      const self = process.cpuUsage(selfBefore);
      const appMs = sources.app === 'self' ? (self.user + self.system) / 1000 : usedSince(cpuMsByPid(appPid));
      return { appMs, postgresMs: usedSince(cpuMsByPid(sources.postgres())) };
    },
  };
}
