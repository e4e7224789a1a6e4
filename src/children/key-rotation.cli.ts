import { InvalidArgumentError, type Command } from 'commander';
import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import { cliProgressBar } from '../platform/progress/progress-bar.js';
import { KeyRotationService, DEFAULT_ROTATION_BATCH, type KeyStatus, type RotationResult } from './key-rotation.js';

/** What the key commands need; the composition root opens (and closes) it around the work. */
export interface KeyCliContext {
  db: Db;
  keys: Keyring;
}

type WithContext = <T>(work: (ctx: KeyCliContext) => Promise<T>) => Promise<T>;

const batchSize = (value: string): number => {
  if (!/^[0-9]{1,7}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return Number(value);
};

/** Failed children are named by id only (never an identity); a long list is cut short. */
const SHOW_FAILED = 20;

/**
 * `signpost keys …`: rotate the wrapping key that protects every child's data key, and show which
 * wrapping key versions are in use. The root key (kek.key / SIGNPOST_KEK) never changes.
 */
export function registerKeyCommands(program: Command, withContext: WithContext): void {
  const keys = program.command('keys').description('wrapping keys for child data keys: rotate them without downtime, show which are in use');

  keys.command('rotate')
    .description('add a new wrapping key version and re-wrap every child data key under it, in batches, while Signpost keeps running')
    .option('--continue', 'add no key: only finish moving data keys to the current version (after a stopped or interrupted rotation)')
    .option('--batch-size <n>', `data keys per transaction (default ${DEFAULT_ROTATION_BATCH})`, batchSize)
    .action(async (options: { continue?: boolean; batchSize?: number }) => {
      const controller = new AbortController();
      const onInterrupt = () => {
        console.error('\nStopping after the current batch… (what is done stays done; finish with: signpost keys rotate --continue)');
        controller.abort();
      };
      process.once('SIGINT', onInterrupt);
      const progress = cliProgressBar();
      try {
        const result = await withContext(({ db, keys }) => new KeyRotationService({ db, keys }).rotate({
          newKey: !options.continue,
          signal: controller.signal,
          onProgress: progress.report,
          ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        })).finally(() => progress.stop());
        printRotation(result);
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });

  keys.command('status')
    .description('list the wrapping key versions, how many data keys each wraps, and which old keys may be deleted')
    .action(async () => {
      const status = await withContext(({ db, keys }) => new KeyRotationService({ db, keys }).status());
      printStatus(status);
    });
}

function printRotation(result: RotationResult): void {
  if (result.created) {
    console.log(result.created.file
      ? `Created wrapping key version ${result.created.version} in ${result.created.file}.\n` +
        'Back it up now, together with kek.key: data keys wrapped under it cannot be read without it.'
      : `Created wrapping key version ${result.created.version}.`);
  }
  if (result.rewrapped > 0 || result.created) console.log(`Re-wrapped ${result.rewrapped} data keys under wrapping key version ${result.version}.`);
  if (result.failed.length > 0) {
    const shown = result.failed.slice(0, SHOW_FAILED).join(', ');
    console.error(`${result.failed.length} data keys would not open and were left as they were (altered, or not this instance's). Children: ${shown}${result.failed.length > SHOW_FAILED ? ', …' : ''}`);
    process.exitCode = 1;
  }
  if (result.remaining === 0) {
    console.log(result.rewrapped === 0 && !result.created
      ? `Every data key is already wrapped under the current version ${result.version}; nothing to do.`
      : `Every data key is now wrapped under version ${result.version}. Old wrapping keys are kept: see signpost keys status.`);
    return;
  }
  const waiting = result.remaining - result.failed.length;
  if (waiting > 0) {
    console.error(`${waiting} data keys are still wrapped under older versions${result.stopped ? ' (stopped early)' : ' (busy throughout)'}. ` +
      'Finish with: signpost keys rotate --continue');
    process.exitCode = 1;
  }
}

function printStatus(status: KeyStatus): void {
  const where = status.source === 'directory' ? 'key files beside kek.key' : status.source === 'secret-store' ? 'SIGNPOST_WRAP_KEYS' : 'in memory';
  console.log(`Wrapping keys for child data keys (${where}); the current version is ${status.currentVersion}:`);
  for (const v of status.versions) {
    const origin = v.version === 1 ? 'derived from the root key' : !v.available ? `MISSING${v.file ? ` (expected in ${v.file})` : ''}` : (v.file ?? 'SIGNPOST_WRAP_KEYS');
    const note = v.version === status.currentVersion ? '  current' : '';
    console.log(`  version ${String(v.version).padEnd(4)} ${origin.padEnd(48)} ${String(v.rows).padStart(10)} data keys${note}`);
  }
  if (status.missing.length > 0) {
    console.error(`The wrapping key of version ${status.missing.join(', ')} is missing: the children whose data keys it wraps cannot be read until it is restored.`);
    process.exitCode = 1;
  }
  if (status.belowCurrent > 0) {
    console.log(`${status.belowCurrent} data keys are still wrapped under older versions. Finish the rotation with: signpost keys rotate --continue` +
      '\nKeep every wrapping key listed until then.');
    return;
  }
  console.log(`Every data key is wrapped under the current version ${status.currentVersion}.`);
  if (status.unused.length === 0) return;
  if (status.source === 'directory') {
    console.log('No data key uses these old wrapping key files any more. They can be deleted once no database backup taken\n' +
      'before the rotation is still needed (a restored backup needs the keys it was wrapped under):');
    for (const v of status.unused) console.log(`  ${v.file ?? `version ${v.version}`}`);
  } else {
    console.log(`No data key uses version ${status.unused.map((v) => v.version).join(', ')} any more. Remove ${status.unused.length === 1 ? 'it' : 'them'} ` +
      'from SIGNPOST_WRAP_KEYS (and restart Signpost) once no database backup taken before the rotation is still needed.');
  }
}
