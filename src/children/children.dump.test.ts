import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { seedChildren } from '../demo/children-seed.js';
import { DEMO_COUNCILS } from '../demo/demo-directory.js';
import { ChildrenService } from './children.service.js';
import { completeNhsNumber, formatNhsNumber } from './nhs-number.js';
import { upnCheckLetter } from './upn.js';
import { BlindIndexer } from './blind-index.js';
import { insertDemoChildRecords, type DemoIdentifierRow, type DemoShieldRow } from '../demo/demo-records.repository.js';

// Names no generator would produce, so any hit is a leak.
const CANARY_NHS = completeNhsNumber('999314159') ?? completeNhsNumber('999314158')!;
const CANARIES = [
  { givenNames: 'Zanthippe Orlaith', familyName: 'Quorvannah', former: 'Marrowgate', dateOfBirth: '2012-04-29', postcode: 'LS6 9QX', nhsNumber: CANARY_NHS,
    carer: 'Wilhelmina Quorvannah', earlierPostcode: 'LS17 8QQ', upn: `${upnCheckLetter('383201019777')}383201019777`, councilChildId: 'CANARY-77301', shieldReason: 'Zephyrine refuge at Gullhaven' },
  { givenNames: 'Thaddeus', familyName: 'Blythewick-Osei', former: 'Pennywhistle', dateOfBirth: '2019-11-03', postcode: 'BS7 4ZN', nhsNumber: null,
    carer: 'Ottoline Blythewick', earlierPostcode: 'BS16 3XW', upn: `${upnCheckLetter('801401020778')}801401020778`, councilChildId: 'CANARY-77302', shieldReason: 'Corvinus witness arrangement' },
];

let database: TestDatabase;
const keys = new Keyring(randomBytes(32));
const canaryIds = CANARIES.map(() => randomUUID());

before(async () => {
  database = await createTestDatabase();
  for (const c of DEMO_COUNCILS) await insertOrganisation(database.db, { code: c.code, kind: 'council', name: c.name });
  await seedChildren({ db: database.db, keys, clock: new FixedClock('2026-11-22T09:00:00Z') }, { count: 200, seed: 77, batchSize: 64 });
  const council = await database.db.selectFrom('organisations').select('id').where('code', '=', 'LEE').executeTakeFirstOrThrow();
  await new ChildrenService({ db: database.db, keys }).add(CANARIES.map((c, i) => ({
    id: canaryIds[i]!, responsibleCouncilId: council.id, recordTrigger: 'child_protection_plan', triggerDate: '2026-09-01',
    sex: 'female', unborn: false, shielded: true,
    identity: {
      givenNames: c.givenNames, familyName: c.familyName, formerFamilyNames: [c.former], dateOfBirth: c.dateOfBirth,
      address: { kind: 'known', lines: ['7 Canary Wharf Close'], town: 'Leeds', postcode: c.postcode }, nhsNumber: c.nhsNumber,
      parentsCarers: [{ name: c.carer, relationship: 'mother', hasParentalResponsibility: true, phone: null, email: `${c.carer.replace(' ', '.').toLowerCase()}@mail.demo.test` }],
      previousAddresses: [{ address: { kind: 'known', lines: ['3 Canary Mews'], town: 'Leeds', postcode: c.earlierPostcode }, from: null, to: '2025-01-31' }],
    },
  })));
  // Identifiers and the shield reason, sealed the way the demo seed and ChildRecordsService seal them.
  const service = new ChildrenService({ db: database.db, keys });
  const indexer = new BlindIndexer(keys);
  const records: { identifiers: DemoIdentifierRow[]; shields: DemoShieldRow[] } = { identifiers: [], shields: [] };
  for (const [i, c] of CANARIES.entries()) {
    const childId = canaryIds[i]!;
    for (const [kind, issuer, value] of [['upn', '', c.upn], ['council_child_id', 'LEE', c.councilChildId]] as const) {
      records.identifiers.push({ childId, kind, issuer, lookup: indexer.identifierLookup(kind, issuer, value), value: (await service.sealValue(database.db, childId, 'identifier', value))!, validFrom: null, validTo: null });
    }
    records.shields.push({ childId, councilId: council.id, reason: (await service.sealValue(database.db, childId, 'shield_reason', c.shieldReason))!, decidedBy: 'Head of Children\'s Social Care', decidedOn: '2026-09-01', reviewOn: '2027-03-01' });
  }
  await insertDemoChildRecords(database.db, records);
});
after(() => database.drop());

/** Every way a canary value might be written down. */
function needles(): string[] {
  const out: string[] = [];
  for (const c of CANARIES) {
    out.push(...c.givenNames.split(' '), c.familyName, ...c.familyName.split('-'), c.former, 'Canary Wharf');
    const [y, m, d] = c.dateOfBirth.split('-') as [string, string, string];
    out.push(c.dateOfBirth, `${y}${m}${d}`, `${d}/${m}/${y}`, c.postcode, c.postcode.replace(' ', ''));
    if (c.nhsNumber) out.push(c.nhsNumber, formatNhsNumber(c.nhsNumber));
    out.push(...c.carer.split(' '), c.earlierPostcode, c.earlierPostcode.replace(' ', ''), 'Canary Mews', c.upn, c.upn.slice(1), c.councilChildId, ...c.shieldReason.split(' ').filter((w) => /^[A-Z]/.test(w)));
  }
  return out.map((n) => n.toLowerCase());
}

/** Text plus every bytea value decoded, so a name stored as clear bytes is found too. */
function withDecodedBytes(text: string): string {
  const decoded = [...text.matchAll(/\\x([0-9a-f]+)/gi)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1'));
  return [text, ...decoded].join('\n').toLowerCase();
}

/** pg_dump when one that can read this server is installed (Debian's PostgreSQL 15 in CI). */
function pgDump(serverMajor: number): string | null {
  for (const bin of ['/usr/lib/postgresql/18/bin/pg_dump', '/usr/lib/postgresql/17/bin/pg_dump', '/usr/lib/postgresql/16/bin/pg_dump', '/usr/lib/postgresql/15/bin/pg_dump']) {
    const major = Number(/postgresql\/(\d+)/.exec(bin)![1]);
    if (major >= serverMajor && existsSync(bin)) return execFileSync(bin, ['--dbname', database.url], { maxBuffer: 1 << 28 }).toString('utf8');
  }
  return null;
}

test('a dump of the database reveals no canary child’s name, date of birth, NHS number, postcode, carer, earlier address, identifier or shield reason', async () => {
  const { rows } = await sql<{ server_version_num: string }>`SHOW server_version_num`.execute(database.db);
  const serverMajor = Math.floor(Number(rows[0]!.server_version_num) / 10_000);
  let dump = pgDump(serverMajor);
  if (dump === null) {
    // No pg_dump for this server version (the embedded server is newer than Debian's client):
    // read every row of every table instead, which is what a dump contains.
    const tables = await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`.execute(database.db);
    const parts: string[] = [];
    for (const { tablename } of tables.rows) {
      const all = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(tablename)} t`.execute(database.db);
      parts.push(...all.rows.map((r) => r.row));
    }
    dump = parts.join('\n');
  }
  const haystack = withDecodedBytes(dump);
  assert.ok(haystack.length > 100_000 && haystack.includes('child_protection_plan'), 'the dump holds the seeded children');
  for (const needle of needles()) assert.ok(!haystack.includes(needle), `the dump contains "${needle}"`);
});

test('the canaries are really in the database: with the key, the service reads them', async () => {
  const service = new ChildrenService({ db: database.db, keys });
  for (const [i, id] of canaryIds.entries()) {
    const identity = await service.readIdentity(id);
    assert.equal(identity?.familyName, CANARIES[i]!.familyName);
    assert.equal(identity.parentsCarers?.[0]?.name, CANARIES[i]!.carer);
    const shield = await database.db.selectFrom('child_shields').select('reason').where('child_id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(await service.openValues(database.db, id, 'shield_reason', [shield.reason]), [CANARIES[i]!.shieldReason]);
  }
});
