import type { Db } from '../platform/db/database.js';
import { NotFoundError } from '../platform/http/errors.js';
import { findOrganisationByCode, listOrganisations, type OrganisationKind } from './organisations.repository.js';

export interface Organisation {
  id: string;
  code: string;
  kind: OrganisationKind;
  name: string;
  councilId: string | null;
  officeHoursPhone: string | null;
  emergencyDutyPhone: string | null;
  email: string | null;
  urn: string | null;
  odsCode: string | null;
}

/** The directory of councils, police forces, NHS bodies, schools and services. Holds no child data. */
export class OrganisationsService {
  constructor(private readonly deps: { db: Db }) {}

  async list(filter: { kind?: OrganisationKind | undefined; limit: number; offset: number }): Promise<Organisation[]> {
    const rows = await listOrganisations(this.deps.db, filter);
    return rows.map((row) => ({
      id: row.id,
      code: row.code,
      kind: row.kind,
      name: row.name,
      councilId: row.council_id,
      officeHoursPhone: row.office_hours_phone,
      emergencyDutyPhone: row.emergency_duty_phone,
      email: row.email,
      urn: row.urn,
      odsCode: row.ods_code,
    }));
  }

  /** The organisation with this code; a clear error naming the code when there is none. */
  async requireByCode(code: string): Promise<{ id: string; name: string; kind: OrganisationKind }> {
    const row = await findOrganisationByCode(this.deps.db, code);
    if (!row) throw new NotFoundError(`There is no organisation with code "${code}". List them with: npx signpost orgs list`);
    return row;
  }
}
