import { performance } from 'node:perf_hooks';
import { startCpuMeter, type CpuSources } from './cpu-time.js';
import { loadResult, type LoadResult } from './stats.js';

/**
 * Runs `work` from `concurrency` loops for `seconds`, in this process: the in-process baselines
 * (the same query straight on PostgreSQL, the same rows read without the access check and audit)
 * measured the same way as the HTTP runs, so the two can be put side by side. With `cpu`, the CPU
 * an operation took (this process and the processes named) is reported too.
 */
export async function closedLoop(concurrency: number, seconds: number, work: (n: number) => Promise<unknown>, cpu?: CpuSources): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const meter = cpu ? startCpuMeter(cpu) : undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const n = next++;
      const begun = performance.now();
      try {
        await work(n);
        latencies.push(performance.now() - begun);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  return loadResult(latencies, elapsed, failures, meter?.stop());
}
