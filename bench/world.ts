import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/platform/config/paths.js';

/** The real command line, as an operator runs it. */
export const CLI = path.join(PROJECT_ROOT, 'bin', 'signpost.mjs');
/** Benchmark worlds live here, one folder (embedded cluster + key file) per size; reused between runs. */
export const BENCH_DATA = path.join(PROJECT_ROOT, '.bench-data');
export const WORLD_SEED = 2026;

export const worldDir = (children: number): string => path.join(BENCH_DATA, `children-${children}`);

/** Environment for every process that opens a benchmark world: quiet logs, its own folder. */
export function worldEnv(children: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // The world has its own embedded server and key file: an operator's settings must not leak in.
  const outside = new Set(['DATABASE_URL', 'DATABASE_MIGRATION_URL', 'SIGNPOST_KEK', 'SIGNPOST_WRAP_KEYS']);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !outside.has(name)));
  return { ...inherited, SIGNPOST_DATA_DIR: worldDir(children), NODE_ENV: 'production', LOG_LEVEL: 'warn', SIGNPOST_SECURE_COOKIES: 'false', ...extra };
}

/** Node flags that write a CPU profile of a spawned service or import when BENCH_PROFILE_DIR is set. */
export function profileArgs(): string[] {
  const dir = process.env['BENCH_PROFILE_DIR'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Runs `signpost <args>` on a world, output shown, and fails loudly on a non-zero exit. */
export function runCli(children: number, args: readonly string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: worldEnv(children, env), stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`signpost ${args.join(' ')} exited with ${signal ?? code}`))));
  });
}

/**
 * Generates the world for a size with the fixed seed, or finds it already there: the seed is
 * resumable and does nothing when the children exist, so only the first run pays for it.
 */
export async function ensureWorld(children: number): Promise<void> {
  console.log(`World of ${children.toLocaleString('en-GB')} children (seed ${WORLD_SEED}) in ${path.relative(PROJECT_ROOT, worldDir(children))}`);
  await runCli(children, ['seed', '--seed', String(WORLD_SEED), '--children', String(children)]);
}
