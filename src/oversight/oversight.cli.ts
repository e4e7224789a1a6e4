import type { Command } from 'commander';
import { cliProgressBar } from '../platform/progress/progress-bar.js';
import type { OversightService } from './oversight.service.js';

type WithOversight = <T>(work: (oversight: OversightService) => Promise<T>) => Promise<T>;

/** `signpost oversight scan`: the background scan, now (e.g. after a restore, or from cron). */
export function registerOversightCommands(program: Command, withOversight: WithOversight): void {
  const oversight = program.command('oversight').description('anomaly alerts over the audit log, for information-governance officers');
  oversight.command('scan')
    .description('seal waiting audit entries, then apply the anomaly rules to every entry not yet scanned (safe to repeat)')
    .action(async () => {
      const progress = cliProgressBar();
      const result = await withOversight((service) => service.scan({ onProgress: progress.report })).finally(() => progress.stop());
      console.log(`Scanned ${result.scanned} audit ${result.scanned === 1 ? 'entry' : 'entries'}: ${result.raised} new ${result.raised === 1 ? 'alert' : 'alerts'}, ${result.extended} existing ${result.extended === 1 ? 'alert' : 'alerts'} added to.`);
    });
}
