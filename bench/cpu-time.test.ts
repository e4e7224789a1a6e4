import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startCpuMeter } from './cpu-time.js';
import { loadResult, medianOf } from './stats.js';

const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return x;
};

test('the CPU meter counts the answering process and PostgreSQL\'s apart', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  // A busy child process stands in for PostgreSQL; this process answers.
  const child = spawn(process.execPath, ['-e', 'const u = Date.now() + 400; let x = 0; while (Date.now() < u) x += Math.sqrt(x + 1);']);
  const meter = startCpuMeter({ app: 'self', postgres: () => [child.pid!] });
  busyFor(150);
  await once(child, 'spawn');
  // Read while the child still runs: a process that has ended is not counted.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const used = meter.stop();
  await once(child, 'exit');
  assert.ok(used, '/proc is readable on Linux');
  assert.ok(used.appMs >= 100, `this process's 150 ms busy loop counted as ${String(used.appMs)} ms`);
  assert.ok(used.postgresMs >= 100, `the other process's CPU counted as ${String(used.postgresMs)} ms`);
});

test('a run reports CPU an answer and PostgreSQL\'s part of it; the median of runs takes each figure\'s median', () => {
  const latencies = [10, 20, 30, 40];
  const one = loadResult(latencies, 2, 0, { appMs: 6, postgresMs: 10 });
  assert.equal(one.cpuMsPerOp, 4);
  assert.equal(one.postgresCpuMsPerOp, 2.5);
  assert.equal(one.perSecond, 2);
  const runs = [one, loadResult(latencies, 2, 0, { appMs: 2, postgresMs: 2 }), loadResult(latencies, 2, 0, { appMs: 10, postgresMs: 30 })];
  const median = medianOf(runs);
  assert.equal(median.cpuMsPerOp, 4);
  assert.equal(median.postgresCpuMsPerOp, 2.5);
  const unmeasured = medianOf([loadResult(latencies, 2, 0)]);
  assert.equal(unmeasured.cpuMsPerOp, undefined);
  assert.equal(unmeasured.postgresCpuMsPerOp, undefined);
});
