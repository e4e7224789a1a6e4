import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Command, CommanderError } from 'commander';
import { registerMatchCommands } from './match.cli.js';

// Evaluation data lives beside the project, never inside it: <project>/../shared/data.
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const febrl1 = join(projectRoot, '..', 'shared', 'data', 'linkage', 'febrl1.csv');
const FEBRL_MAP = 'given_name=given_name,family_name=surname,address=street_number+address_1+address_2,town=suburb,postcode=postcode,dob=date_of_birth';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  registerMatchCommands(program);
  const { log, error } = console;
  console.log = (...parts: unknown[]) => {
    stdout += `${parts.join(' ')}\n`;
  };
  console.error = (...parts: unknown[]) => {
    stderr += `${parts.join(' ')}\n`;
  };
  try {
    await program.parseAsync(['node', 'signpost', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, stdout, stderr };
    throw e;
  } finally {
    console.log = log;
    console.error = error;
  }
}

const febrlArgs = ['match', 'evaluate', febrl1, '--id', 'rec_id', '--entity-pattern', 'rec-(\\d+)-', '--dob-format', 'YYYYMMDD'];

test('an analyst de-duplicates FEBRL1 without NHS numbers and gets high precision and F1 at the operating point', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signpost-match-'));
  const clusters = join(out, 'clusters.csv');
  const { code, stdout } = await run([...febrlArgs, '--map', FEBRL_MAP, '--json', '--clusters-out', clusters]);
  assert.equal(code, 0);
  const { calibration, ...report } = JSON.parse(stdout) as Record<string, number> & { calibration: { brier: number; bands: { from: number; pairs: number; observed: number }[] } };
  assert.deepEqual(Object.keys(report), ['records', 'candidate_pairs', 'blocking_recall', 'threshold', 'precision', 'recall', 'f1', 'edge_f1_at_threshold', 'best_f1', 'b3_f1', 'over_merges', 'seconds', 'peak_rss_mb']);
  assert.equal(report.records, 1000);
  // Every scored pair is in one band, and the pairs the model is surest of were one person.
  assert.equal(calibration.bands.reduce((n, b) => n + b.pairs, 0), report.candidate_pairs);
  assert.equal(calibration.bands.find((b) => b.from === 0.999)?.observed, 1);
  assert.ok(calibration.brier < 0.05, `Brier ${String(calibration.brier)}`);
  // Measured 0.958 F1, precision 1.0; floors sit a little below.
  assert.ok((report.f1 ?? 0) >= 0.94, `F1 ${report.f1}`);
  assert.ok((report.precision ?? 0) >= 0.999, `precision ${report.precision}`);
  assert.ok((report.blocking_recall ?? 0) >= 0.98);
  assert.equal(report.over_merges, 0);
  const lines = readFileSync(clusters, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'id,cluster');
  assert.equal(lines.length, 1001, 'every record, singletons included, has a cluster');
});

test('with the social security number as a strong identifier FEBRL1 is matched almost perfectly', async () => {
  const { code, stdout } = await run([...febrlArgs, '--map', `${FEBRL_MAP},identifier=soc_sec_id`, '--json']);
  assert.equal(code, 0);
  const report = JSON.parse(stdout) as Record<string, number>;
  // Measured 0.998.
  assert.ok((report.f1 ?? 0) >= 0.99, `F1 ${report.f1}`);
  assert.ok((report.precision ?? 0) >= 0.999);
});

test('the human table names the declared threshold and the over-merge count', async () => {
  const { code, stdout } = await run([...febrlArgs, '--map', FEBRL_MAP]);
  assert.equal(code, 0);
  assert.match(stdout, /threshold \(declared\)\s+0\.99/);
  assert.match(stdout, /over-merged clusters\s+0/);
  assert.match(stdout, /calibration over the scored pairs \(Brier 0\.\d+, expected calibration error 0\.\d+\)/);
  assert.match(stdout, /0\.999–1\s+\d+\s+1\.0000\s+1\.0000/);
});

test('a missing file is a usage error (exit 2) that says to check the path', async () => {
  const { code, stderr } = await run(['match', 'evaluate', '/no/such/file.csv', '--map', 'given_name=a', '--entity', 'x']);
  assert.equal(code, 2);
  assert.match(stderr, /file not found: \/no\/such\/file\.csv — check the path/);
});

test('an unknown column in --map is named, with the columns the file does have', async () => {
  const { code, stderr } = await run([...febrlArgs, '--map', 'given_name=first_name']);
  assert.equal(code, 2);
  assert.match(stderr, /no column "first_name".*its columns are: rec_id, given_name/);
});

test('a bad regex or one without a capture group is refused with an example', async () => {
  const bad = await run(['match', 'evaluate', febrl1, '--id', 'rec_id', '--entity-pattern', 'rec-(\\d+', '--map', FEBRL_MAP]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a valid regular expression/);
  const noGroup = await run(['match', 'evaluate', febrl1, '--id', 'rec_id', '--entity-pattern', 'rec-\\d+', '--map', FEBRL_MAP]);
  assert.equal(noGroup.code, 2);
  assert.match(noGroup.stderr, /exactly one capture group/);
});

test('truth columns can never be handed to the matcher', async () => {
  const { code, stderr } = await run([...febrlArgs, '--map', `${FEBRL_MAP},identifier=rec_id`]);
  assert.equal(code, 2);
  assert.match(stderr, /truth, id or excluded column/);
});

test('unknown fields, bad thresholds and unknown date formats are explained', async () => {
  assert.match((await run([...febrlArgs, '--map', 'nickname=given_name'])).stderr, /not one the matcher knows/);
  assert.match((await run([...febrlArgs, '--map', FEBRL_MAP, '--threshold', '1.5'])).stderr, /strictly between 0 and 1/);
  assert.match((await run(['match', 'evaluate', febrl1, '--id', 'rec_id', '--entity-pattern', 'rec-(\\d+)-', '--dob-format', 'DDMMYY', '--map', FEBRL_MAP])).stderr, /not supported/);
});

describe('files that are not what they should be', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signpost-match-bad-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const evaluate = (path: string) => run(['match', 'evaluate', path, '--map', 'given_name=first,family_name=last,dob=dob', '--id', 'id', '--entity-pattern', '(\\d+)', '--json']);

  test('a header row and no records is said so, not scored as a perfect result', async () => {
    const { code, stderr, stdout } = await evaluate(file('header-only.csv', 'id,first,last,dob\n'));
    assert.equal(code, 2);
    assert.match(stderr, /header-only\.csv has a header row but no records/);
    assert.equal(stdout, '');
  });

  test('dates of birth in another format than declared stop the run and say to give --dob-format', async () => {
    const { code, stderr } = await evaluate(file('day-first.csv', 'id,first,last,dob\n1,Amy,Smith,02/01/2010\n2,Amy,Smith,03/01/2010\n'));
    assert.equal(code, 2);
    assert.match(stderr, /2 of the 2 dates of birth in column "dob" of .*day-first\.csv cannot be read as YYYY-MM-DD \(the first on line 2\); say how the file writes them with --dob-format/);
  });

  test('a few unreadable dates and a short row are named by line on stderr, and the run goes on', async () => {
    const path = file('few.csv', 'id,first,last,dob\n1,Amy,Smith,2010-01-02\n2,Amy,Smith\n3,Amy,Smith,02/01/2010\n4,Bo,Li,2011-03-04\n5,Bo,Li,2011-03-04\n');
    const { code, stderr, stdout } = await evaluate(path);
    assert.equal(code, 0);
    assert.match(stderr, /warning: 1 of the 4 dates of birth in column "dob" of .*few\.csv cannot be read as YYYY-MM-DD and count as missing: line 4/);
    assert.match(stderr, /warning: 1 row of .*few\.csv has fewer fields than the header; the missing fields count as missing: line 3/);
    assert.equal((JSON.parse(stdout) as { records: number }).records, 5);
  });

  test('a row with more fields than the header is refused, naming its line', async () => {
    const { code, stderr } = await evaluate(file('shifted.csv', 'id,first,last,dob\n1,Amy,Smith,2010-01-02\n2,Smith, Amy,Smith,2010-01-02\n'));
    assert.equal(code, 2);
    assert.match(stderr, /line 3 has 5 fields but the header has 4: is there a comma in a value that is not in quotes\?/);
  });
});
