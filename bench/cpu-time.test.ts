import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startCpuMeter } from './cpu-time.js';
import { loadResult, medianOf } from './stats.js';

/** Spins until this process has used `ms` of CPU (not of wall time: the machine may be busy). */
const burnCpu = (ms: number) => {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return x;
    x += Math.sqrt(x + 1);
  }
};

test('the CPU meter counts the answering process and PostgreSQL\'s apart', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  // A child process stands in for PostgreSQL: it uses 400 ms of CPU, says so, and waits to be
  // stopped (a process that has ended is not counted).
  const child = spawn(process.execPath, ['-e', `(${burnCpu.toString()})(400); process.stdout.write('burnt'); setInterval(() => {}, 1000);`]);
  try {
    const meter = startCpuMeter({ app: 'self', postgres: () => [child.pid!] });
    burnCpu(100);
    await once(child.stdout, 'data');
    const used = meter.stop();
    assert.ok(used, '/proc is readable on Linux');
    // /proc counts in ticks of 10 ms: some slack either way.
    assert.ok(used.appMs >= 100 && used.appMs < 300, `this process's 100 ms counted as ${String(used.appMs)} ms`);
    assert.ok(used.postgresMs >= 350, `the other process's 400 ms counted as ${String(used.postgresMs)} ms`);
  } finally {
    child.kill();
  }
});

test('a process that ends during a run counts through the parent that waited for it', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  // As a PostgreSQL backend does when a command's connections close: a parent (the postmaster)
  // starts a child that uses 300 ms of CPU and ends; the parent waits for it and stays.
  const burner = `(${burnCpu.toString()})(300)`;
  const parent = spawn(process.execPath, ['-e', `require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(burner)}]); process.stdout.write('reaped'); setInterval(() => {}, 1000);`]);
  try {
    const meter = startCpuMeter({ app: 'children', postgres: () => [parent.pid!] });
    // And a command this process runs and waits for, as the import benchmark runs `signpost import`.
    const command = spawn(process.execPath, ['-e', `(${burnCpu.toString()})(200)`]);
    await Promise.all([once(parent.stdout, 'data'), once(command, 'exit')]);
    const used = meter.stop();
    assert.ok(used, '/proc is readable on Linux');
    assert.ok(used.postgresMs >= 250, `the ended child's 300 ms counted as ${String(used.postgresMs)} ms`);
    assert.ok(used.appMs >= 150, `the command's 200 ms counted as ${String(used.appMs)} ms`);
  } finally {
    parent.kill();
  }
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
