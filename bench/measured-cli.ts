import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { round1 } from './stats.js';
import { CLI, profileArgs, worldEnv } from './world.js';

/**
 * Runs `signpost <args>` on a world as an operator would, timing it and sampling the process's
 * peak memory (VmHWM) every 100 ms; fails on a non-zero exit. Standard output is returned (the
 * commands print their summary there).
 */
export function runMeasuredCli(children: number, args: readonly string[]): Promise<{ seconds: number; peakRssMb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...profileArgs(), CLI, ...args], { env: worldEnv(children), stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    let peakKb = 0;
    const sampler = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8').then((status) => {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peakKb = Math.max(peakKb, kb);
      }, () => undefined);
    }, 100);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) reject(new Error(`signpost ${args[0] ?? ''} exited with ${String(code)}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakRssMb: round1(peakKb / 1024), stdout });
    });
  });
}
