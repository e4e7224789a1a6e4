import { sql, type Kysely } from 'kysely';

/**
 * Whether a source id came to its child by a link (an automatic match, or a merge that moved it
 * from the record it created) rather than by creating the child. A linked source's changed record
 * adds the identifiers it carries but does not overwrite the child's identity, responsible council
 * or why the record exists: otherwise two systems holding one child, each with its own spelling,
 * took turns rewriting the record with every change either sent. Identifiers stored before are
 * taken as the child's own (false), as they behaved until now.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE child_identifiers ADD COLUMN linked boolean NOT NULL DEFAULT false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE child_identifiers DROP COLUMN linked`.execute(db);
}
