import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, profileArgs, worldEnv } from './world.js';

export interface RunningService {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `signpost serve` on a world, as an operator would, and waits until /healthz answers.
 * Rate limits are scaled up (SIGNPOST_RATE_LIMIT_FACTOR) because one benchmark user stands in for
 * a national service's many; nothing else differs from production settings.
 */
export async function startService(children: number, port: number, env: Record<string, string> = {}): Promise<RunningService> {
  const child: ChildProcess = spawn(process.execPath, [...profileArgs(), CLI, 'serve', '--port', String(port)], {
    env: worldEnv(children, { SIGNPOST_RATE_LIMIT_FACTOR: '100000', ...env }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 200) {
    if (child.exitCode !== null) throw new Error(`signpost serve exited with ${child.exitCode} before answering`);
    if (waited > 120_000) throw new Error('signpost serve did not answer /healthz within two minutes');
    const healthy = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (healthy) break;
    await sleep(200);
  }
  return {
    baseUrl,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
