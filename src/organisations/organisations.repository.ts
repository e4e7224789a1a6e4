import type { DbOrTx } from '../platform/db/database.js';
import type { OrganisationsTable } from '../platform/db/schema.js';

export type OrganisationKind = OrganisationsTable['kind'];

export function listOrganisations(db: DbOrTx, filter: { kind?: OrganisationKind | undefined; limit: number; offset: number }) {
  let query = db.selectFrom('organisations')
    .select(['id', 'code', 'kind', 'name', 'council_id', 'office_hours_phone', 'emergency_duty_phone', 'email', 'urn', 'ods_code']);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  return query.orderBy('kind').orderBy('name').limit(filter.limit).offset(filter.offset).execute();
}

export function findOrganisationByCode(db: DbOrTx, code: string) {
  return db.selectFrom('organisations').select(['id', 'code', 'kind', 'name']).where('code', '=', code).executeTakeFirst();
}

export interface NewOrganisation {
  code: string;
  kind: OrganisationKind;
  name: string;
  councilId?: string | null;
  officeHoursPhone?: string | null;
  emergencyDutyPhone?: string | null;
  email?: string | null;
  urn?: string | null;
  odsCode?: string | null;
}

export async function insertOrganisation(db: DbOrTx, org: NewOrganisation): Promise<string> {
  const row = await db.insertInto('organisations').values({
    code: org.code,
    kind: org.kind,
    name: org.name,
    council_id: org.councilId ?? null,
    office_hours_phone: org.officeHoursPhone ?? null,
    emergency_duty_phone: org.emergencyDutyPhone ?? null,
    email: org.email ?? null,
    urn: org.urn ?? null,
    ods_code: org.odsCode ?? null,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function countOrganisations(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('organisations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return row.n;
}

export function findOrganisationsByIds(db: DbOrTx, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('organisations')
    .select(['id', 'code', 'kind', 'name', 'office_hours_phone', 'emergency_duty_phone', 'email'])
    .where('id', 'in', ids).execute();
}
