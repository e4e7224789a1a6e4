/**
 * Stand-alone entry for the matching commands until they are wired into the main CLI:
 *   node --import tsx src/matching/evaluate-main.ts match evaluate <file.csv> --map … --entity …
 */
import { Command } from 'commander';
import { registerMatchCommands } from './match.cli.js';

const program = new Command().name('signpost').showHelpAfterError('(run with --help for usage)');
registerMatchCommands(program);
await program.parseAsync(process.argv);
