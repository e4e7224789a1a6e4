import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../src/platform/config/paths.js';

const exec = promisify(execFile);

/** The real command line, as an operator runs it. */
const CLI = path.join(PROJECT_ROOT, 'bin', 'signpost.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of every Signpost process the harness starts: the embedded database in the
 * harness's own data folder (never ./data), quiet logs, no external DATABASE_URL.
 */
export function serviceEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL: '', DATABASE_MIGRATION_URL: '', SIGNPOST_DATA_DIR: '' };
}

/** Runs `signpost --data-dir <dir> <args>` to completion. */
export async function signpost(dataDir: string, args: readonly string[], timeoutMs = 300_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env: serviceEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Starts `signpost <args>` as a child process the harness may kill. */
export function spawnSignpost(dataDir: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env: serviceEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** A running `signpost serve` on a fixed port, so writers keep one URL across restarts. */
export class Service {
  #child: ChildProcess | undefined;
  #output: string[] = [];

  constructor(readonly dataDir: string, readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${String(this.port)}`;
  }

  /** The last lines the service printed, for a failure message (pino JSON: no child data). */
  get recentOutput(): string {
    return this.#output.join('');
  }

  async start(timeoutMs = 180_000): Promise<void> {
    const child = spawnSignpost(this.dataDir, ['serve', '--port', String(this.port)]);
    this.#child = child;
    // Every start's log lines (pino JSON: request ids and error codes, no child data) in one file
    // in the data folder, for a look after a failed round with --keep.
    const log = createWriteStream(path.join(this.dataDir, 'serve.log'), { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`signpost serve did not start within ${String(timeoutMs)} ms:\n${this.recentOutput}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.#output.push(chunk.toString());
        if (this.#output.length > 40) this.#output.shift();
        if (this.recentOutput.includes('Signpost is running at')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`signpost serve exited (${String(code ?? signal)}):\n${this.recentOutput}`));
      });
    });
    this.#output = [];
  }

  /** kill -9 the app process; its PostgreSQL is left running, orphaned, as after a real crash. */
  async killApp(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
    this.#child = undefined;
  }

  /** kill -9 the PostgreSQL postmaster; the app stays up and must recover by itself. */
  killPostgres(): number {
    const pid = postmasterPid(this.dataDir);
    if (!pid) throw new Error('no postmaster.pid: is the database running?');
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  /** Waits until a postmaster other than `killedPid` runs for this data folder. */
  async waitNewPostmaster(killedPid: number, timeoutMs: number): Promise<void> {
    const started = Date.now();
    for (;;) {
      const pid = postmasterPid(this.dataDir);
      if (pid !== undefined && pid !== killedPid && alive(pid)) return;
      if (Date.now() - started > timeoutMs) throw new Error(`PostgreSQL was not started again within ${String(timeoutMs)} ms:\n${this.recentOutput}`);
      await sleep(100);
    }
  }

  /** Ctrl-C as an operator would: the app stops, then its PostgreSQL. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child) {
      child.kill('SIGTERM');
      await exited(child);
      this.#child = undefined;
    }
    // A server orphaned by the last kill -9 of the app: fast shutdown, as the next start would do.
    const pid = postmasterPid(this.dataDir);
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 300 && alive(pid); i++) await sleep(100);
    }
  }

  /** Waits until /healthz answers 200; returns how long that took. */
  async waitHealthy(timeoutMs = 120_000): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const ok = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status === 200, () => false);
      if (ok) return Date.now() - started;
      await sleep(100);
    }
    throw new Error(`the service did not become healthy within ${String(timeoutMs)} ms:\n${this.recentOutput}`);
  }

  /** A superuser connection string for reading back what was written (checks.ts). */
  databaseUrl(): string {
    const password = readFileSync(path.join(this.dataDir, 'postgres-password'), 'utf8').trim();
    const lines = readFileSync(path.join(this.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
    return `postgres://signpost:${encodeURIComponent(password)}@127.0.0.1:${lines[3]?.trim() ?? ''}/signpost`;
  }
}

export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
