import type { Command } from 'commander';
import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { cliProgressBar } from '../platform/progress/progress-bar.js';
import { AuditService } from './audit.service.js';
import { verifyAudit } from './audit-verifier.js';

type WithContext = <T>(work: (ctx: { db: Db; keys: Keyring; clock: Clock }) => Promise<T>) => Promise<T>;

/** `signpost audit …`: verify the log, print the latest signed checkpoint, print the public key. */
export function registerAuditCommands(program: Command, withContext: WithContext): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit.command('verify')
    .description('recompute the audit tree from the database and the signed checkpoints; exits 1 naming the first bad index')
    .action(async () => {
      const progress = cliProgressBar();
      const result = await withContext(async ({ db, keys, clock }) => {
        await new AuditService({ db, keys, clock }).sealNow();
        return verifyAudit({ db, keys }, progress.report);
      }).finally(() => progress.stop());
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
      const note = await withContext(({ db, keys, clock }) => new AuditService({ db, keys, clock }).checkpoint());
      process.stdout.write(note ?? 'The audit log is empty: no checkpoint yet.\n');
    });

  audit.command('public-key')
    .description('print the verifier key witnesses use to check checkpoints')
    .action(async () => {
      const key = await withContext(async ({ db, keys, clock }) => new AuditService({ db, keys, clock }).signer.verifierKey());
      console.log(key);
    });
}
