import type { DbOrTx } from '../../platform/db/database.js';

export interface NewSignInAttempt {
  /** SHA-256 of the random value in the browser's cookie: the table alone cannot finish a sign-in. */
  browserKeyHash: Buffer;
  state: string;
  nonce: string;
  codeVerifier: string;
  createdAt: Date;
}

/** Records a sign-in in progress, clearing out attempts older than `staleBefore` as it goes. */
export async function insertSignInAttempt(db: DbOrTx, attempt: NewSignInAttempt, staleBefore: Date): Promise<void> {
  await db.deleteFrom('oidc_sign_in_attempts').where('created_at', '<', staleBefore).execute();
  await db.insertInto('oidc_sign_in_attempts').values({
    browser_key_hash: attempt.browserKeyHash,
    state: attempt.state,
    nonce: attempt.nonce,
    code_verifier: attempt.codeVerifier,
    created_at: attempt.createdAt,
  }).execute();
}

/**
 * Removes and returns the browser's sign-in in progress. The delete is the single-use check: of
 * two callbacks with the same cookie, only one gets the row.
 */
export function takeSignInAttempt(db: DbOrTx, browserKeyHash: Buffer) {
  return db.deleteFrom('oidc_sign_in_attempts').where('browser_key_hash', '=', browserKeyHash)
    .returning(['state', 'nonce', 'code_verifier', 'created_at']).executeTakeFirst();
}
