import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../src/platform/config/paths.js';

const exec = promisify(execFile);

/** The real command line, as a person runs it: `bin/signpost.mjs`. */
export const CLI = path.join(PROJECT_ROOT, 'bin', 'signpost.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fixed key-encryption key for CLI runs, so separate processes open each other's data. */
export const CLI_TEST_KEK = Buffer.alloc(32, 7).toString('base64');

/**
 * Runs `signpost <args>` in a child process against a test database and returns its exit code and
 * output, whether it succeeded or not.
 */
export async function runSignpost(databaseUrl: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'development', LOG_LEVEL: 'warn', SIGNPOST_KEK: CLI_TEST_KEK, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
