import { InvalidArgumentError, type Command } from 'commander';
import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { cliProgressBar } from '../platform/progress/progress-bar.js';
import { AuditService } from './audit.service.js';
import { verifyAudit } from './audit-verifier.js';

/** What each audit command needs; the composition root opens (and closes) it around the work. */
export interface AuditCliContext {
  db: Db;
  /** Lets `audit verify` read with one thread per core, each on its own connection. */
  databaseUrl: string;
  keys: Keyring;
  clock: Clock;
}

type WithContext = <T>(work: (ctx: AuditCliContext) => Promise<T>) => Promise<T>;

const wholeNumber = (value: string): number => {
  if (!/^[0-9]{1,15}$/.test(value)) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return Number(value);
};

/**
 * `signpost audit …`: verify the log, print the latest signed checkpoint, prove an entry is in it,
 * print the public key. `origin` names this instance in checkpoints (`signpost.audit/<instance>`).
 */
export function registerAuditCommands(program: Command, withContext: WithContext, origin?: string): void {
  const audit = program.command('audit').description('the tamper-evident audit log: verify it, print signed checkpoints and proofs');
  const service = ({ db, keys, clock }: AuditCliContext) => new AuditService({ db, keys, clock, ...(origin ? { origin } : {}) });

  audit.command('verify')
    .description('recompute the audit tree from the database and check every signed checkpoint; exits 1 naming the first bad index')
    .action(async () => {
      const progress = cliProgressBar();
      // Read-only: verifying must not change what it verifies (and works with a read-only role).
      const result = await withContext(({ db, keys, databaseUrl }) => verifyAudit({ db, keys, databaseUrl, ...(origin ? { origin } : {}) }, progress.report))
        .finally(() => progress.stop());
      if (result.ok) {
        console.log(`The audit log verifies: ${result.treeSize} entries, ${result.checkpoints} signed checkpoints.`);
      } else {
        console.error(`The audit log does NOT verify. First bad index: ${result.firstBadIndex} (${result.problem}).`);
        process.exitCode = 1;
      }
    });

  audit.command('checkpoint')
    .description('seal what is waiting and print the latest signed checkpoint (C2SP signed-note format)')
    .action(async () => {
      const note = await withContext((ctx) => service(ctx).checkpoint());
      // The note ends in a newline already; console.log adds it back after trimming.
      if (note) console.log(note.trimEnd());
      else console.log('The audit log is empty: no checkpoint yet.');
    });

  audit.command('prove')
    .description('print, as JSON, the proof that the entry at an index is in a signed checkpoint (RFC 9162 audit path)')
    .requiredOption('--index <n>', 'the leaf index of the entry, from 0', wholeNumber)
    .option('--size <m>', 'prove against the signed checkpoint of this size (default: seal, then the newest)', wholeNumber)
    .action(async (options: { index: number; size?: number }) => {
      const proof = await withContext(async (ctx) => {
        const audit = service(ctx);
        if (options.size === undefined) await audit.sealNow();
        return audit.prove(options.index, options.size);
      });
      console.log(JSON.stringify(proof, null, 2));
    });

  audit.command('public-key')
    .description('print the verifier key witnesses use to check checkpoints without the database')
    .action(async () => {
      console.log(await withContext(async (ctx) => service(ctx).verifierKey()));
    });
}
