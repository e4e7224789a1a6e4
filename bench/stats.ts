/** Small statistics for benchmark reports: percentiles of latencies, medians of runs. */
import type { CpuUsed } from './cpu-time.js';

/** The p-th percentile (0–100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Throughput and latency of one measured run. */
export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Answers other than the expected status, and transport errors. */
  failures: number;
  /** CPU (ms) an answer took: the service's process (or this one, in-process) and PostgreSQL's (bench/cpu-time.ts); absent where not measured. */
  cpuMsPerOp?: number;
  /** PostgreSQL's part of it: what is left is the answering process's. */
  postgresCpuMsPerOp?: number;
}

export function loadResult(latenciesMs: readonly number[], seconds: number, failures: number, cpu?: CpuUsed): LoadResult {
  const n = latenciesMs.length;
  return {
    ...(cpu !== undefined && n > 0 ? { cpuMsPerOp: round2((cpu.appMs + cpu.postgresMs) / n), postgresCpuMsPerOp: round2(cpu.postgresMs / n) } : {}),
    requests: latenciesMs.length,
    perSecond: Math.round(latenciesMs.length / seconds),
    p50: round1(percentile(latenciesMs, 50)),
    p95: round1(percentile(latenciesMs, 95)),
    p99: round1(percentile(latenciesMs, 99)),
    failures,
  };
}

/** The median run of several by throughput, with each latency figure the median across runs. */
export function medianOf(runs: readonly LoadResult[]): LoadResult {
  const pick = (f: (r: LoadResult) => number) => median(runs.map(f));
  const measured = (key: 'cpuMsPerOp' | 'postgresCpuMsPerOp') => {
    const values = runs.flatMap((r) => (r[key] === undefined ? [] : [r[key]]));
    return values.length > 0 ? { [key]: median(values) } : {};
  };
  return {
    ...measured('cpuMsPerOp'),
    ...measured('postgresCpuMsPerOp'),
    requests: pick((r) => r.requests),
    perSecond: pick((r) => r.perSecond),
    p50: pick((r) => r.p50),
    p95: pick((r) => r.p95),
    p99: pick((r) => r.p99),
    failures: runs.reduce((n, r) => n + r.failures, 0),
  };
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
export const round2 = (n: number): number => Math.round(n * 100) / 100;
