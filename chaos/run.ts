/**
 * `npm run chaos [-- --rounds N --seed S --writers W --import-rows R --targets app,postgres,import --keep]`
 *
 * Starts the real service through the CLI in a fresh data folder, writes through the agency API
 * from concurrent writers and kill -9s the app, its PostgreSQL server or a bulk import at random
 * moments; after each recovery checks that every acknowledged write is there exactly once and the
 * audit log verifies. Writes chaos/results/latest.json; exits 1 on any lost or duplicated write.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/platform/config/paths.js';
import { runChaos, TARGETS, type Target } from './harness.js';
import { roundLine, summaryTable } from './report.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    writers: { type: 'string', default: '4' },
    'import-rows': { type: 'string', default: '2000' },
    targets: { type: 'string', default: TARGETS.join(',') },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'chaos', 'results', 'latest.json') },
  },
});

function whole(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be a whole number from ${String(min)} to ${String(max)}`);
    process.exit(2);
  }
  return n;
}

const targets = values.targets.split(',').map((t) => t.trim()).filter(Boolean);
const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
if (targets.length === 0 || unknown.length > 0) {
  console.error(`--targets takes a comma-separated list of ${TARGETS.join(', ')}`);
  process.exit(2);
}

const options = {
  rounds: whole('rounds', values.rounds, 1, 1_000),
  seed: whole('seed', values.seed, 0, 2 ** 31),
  writers: whole('writers', values.writers, 1, 64),
  importRows: whole('import-rows', values['import-rows'], 10, 10_000),
  targets: targets as Target[],
  keep: values.keep,
};

console.log(`Chaos: ${String(options.rounds)} rounds, seed ${String(options.seed)}, ${String(options.writers)} writers, kills: ${targets.join(', ')}`);
const result = await runChaos({ ...options, onRound: (round) => console.log(roundLine(round)) });
console.log(`\n${summaryTable(result)}`);
await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify({ ...result, finishedAt: new Date().toISOString() }, null, 2)}\n`);
console.log(`\nResults written to ${path.relative(process.cwd(), values.out)}`);
process.exitCode = result.ok ? 0 : 1;
