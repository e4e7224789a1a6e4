import type { DbOrTx } from '../platform/db/database.js';

export interface NewPractitioner {
  /** Chosen by the caller when it must link to the row (a demo account's own entry); else the database's. */
  id?: string;
  organisationId: string;
  name: string;
  role: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

/** Inserts in batches so a large directory is a handful of statements, not thousands. */
export async function insertPractitioners(db: DbOrTx, practitioners: readonly NewPractitioner[]): Promise<void> {
  for (let i = 0; i < practitioners.length; i += 500) {
    const batch = practitioners.slice(i, i + 500).map((p) => ({
      ...(p.id ? { id: p.id } : {}),
      organisation_id: p.organisationId,
      name: p.name,
      role: p.role,
      team: p.team,
      phone: p.phone,
      email: p.email,
    }));
    await db.insertInto('practitioners').values(batch).execute();
  }
}
