import { rm, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { Viewer } from '../access/viewer.js';
import type { OrganisationsService } from '../organisations/organisations.service.js';
import { ValidationError } from '../platform/http/errors.js';
import { cliProgressBar } from '../platform/progress/progress-bar.js';
import { rejectionsCsv } from './feed-csv.js';
import { feedFileFromPath, FeedFileError } from './feed-file.js';
import { DEFAULT_BATCH_SIZE, type FeedImportService, type ImportResult, type Rejection } from './feed-import.service.js';

/** What `signpost import` needs; the composition root opens (and closes) it around the work. */
export interface ImportCliContext {
  imports: FeedImportService;
  organisations: OrganisationsService;
}

type WithContext = <T>(work: (ctx: ImportCliContext) => Promise<T>) => Promise<T>;

/** Rejected rows printed on the terminal; all of them go to the .rejections.csv file. */
const SHOW_REJECTIONS = 50;

const batchSize = (value: string): number => {
  if (!/^[0-9]{1,6}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return Number(value);
};

/**
 * `signpost import <file> --source <system> --organisation <code>`: a bulk feed (format in
 * src/imports/README.md). Exit 0 when the file was processed, rejected rows or not; 2 when the
 * file itself is wrong (nothing is written then); 130 when stopped with Ctrl-C (run it again to
 * continue). Prints counts, lines, columns and reasons — never a value from the file.
 */
export function registerImportCommand(program: Command, withContext: WithContext): void {
  program.command('import <file>')
    .description('import a CSV feed of children (and their involvements) from another system; re-running an interrupted import continues it')
    .requiredOption('--source <system>', 'the sending system\'s name, e.g. "liquidlogic-lcs": the same name every time, so the same child is updated, not added again')
    .requiredOption('--organisation <code>', 'the council or organisation the feed comes from (see: signpost orgs list)')
    .option('--batch-size <n>', `rows committed together (default ${String(DEFAULT_BATCH_SIZE)})`, batchSize)
    .addHelpText('after', '\nThe columns are described in src/imports/README.md. Rejected rows are listed and written to <file>.rejections.csv.')
    .action(async (filePath: string, options: { source: string; organisation: string; batchSize?: number }) => {
      const controller = new AbortController();
      const onInterrupt = () => {
        console.error('\nStopping after the current batch… (run the same command again to continue)');
        controller.abort();
      };
      process.once('SIGINT', onInterrupt);
      const progress = cliProgressBar();
      try {
        const file = await feedFileFromPath(filePath);
        const { result, rejections } = await withContext(async ({ imports, organisations }) => {
          const organisation = await organisations.requireByCode(options.organisation);
          const viewer: Viewer = { kind: 'api-client', clientId: 'cli-import', organisationId: organisation.id, sourceSystems: [options.source] };
          const feed = await imports.inspect(file, options.source);
          const result = await imports.import(viewer, feed, options.source, {
            signal: controller.signal,
            onProgress: progress.report,
            ...(options.batchSize ? { batchSize: options.batchSize } : {}),
          }).finally(() => progress.stop());
          return { result, rejections: (await imports.rejections(result.run.id, Number.MAX_SAFE_INTEGER)).entries };
        });
        await printResult(filePath, options.source, result, rejections);
      } catch (error) {
        progress.stop();
        if (error instanceof FeedFileError) {
          console.error(`Error: ${error.message}`);
          console.error('Nothing was imported.');
          process.exitCode = 2;
          return;
        }
        if (error instanceof ValidationError && error.fields['sourceSystem']) {
          console.error(`Error: --source: ${error.fields['sourceSystem']}`);
          process.exitCode = 2;
          return;
        }
        throw error;
      } finally {
        process.removeListener('SIGINT', onInterrupt);
      }
    });
}

async function printResult(filePath: string, source: string, result: ImportResult, rejections: readonly Rejection[]): Promise<void> {
  const { run } = result;
  if (result.resumedAfterRow > 0) console.log(`Continued an interrupted import of this file after row ${String(result.resumedAfterRow)}.`);
  if (!result.finished) {
    console.log(`Stopped after row ${String(run.rowsDone)} of ${String(run.totalRows)}. Run the same command again to continue from there.`);
    process.exitCode = 130;
    return;
  }
  console.log(`Imported ${run.fileName} from ${source}: ${String(run.totalRows)} rows.`);
  console.log(`  created    ${String(run.created)}`);
  console.log(`  updated    ${String(run.updated)}`);
  console.log(`  unchanged  ${String(run.unchanged)}`);
  console.log(`  rejected   ${String(run.rejected)}`);
  const report = `${filePath}.rejections.csv`;
  if (rejections.length === 0) {
    // A report left by an earlier import of this file would now be wrong.
    await rm(report, { force: true });
    return;
  }
  console.log('\nRejected rows (line, column: reason):');
  for (const r of rejections.slice(0, SHOW_REJECTIONS)) console.log(`  line ${String(r.line)}, ${r.field || 'whole row'}: ${r.reason}`);
  if (rejections.length > SHOW_REJECTIONS) console.log(`  … and ${String(rejections.length - SHOW_REJECTIONS)} more`);
  await writeFile(report, rejectionsCsv(rejections), { mode: 0o600 });
  console.log(`\nEvery rejected row is listed in ${report}. Fix those rows and import the file again: rows already imported are left unchanged.`);
}
