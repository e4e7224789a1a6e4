import type { Config } from '../platform/config/config.js';
import { inTransaction, type Db } from '../platform/db/database.js';
import { randomToken, sha256 } from '../platform/crypto/tokens.js';
import type { SessionState, SignedInUser } from '../platform/http/request-context.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate } from '../platform/time/calendar-date.js';
import { endAllSessionsOfUser, endSession, findLiveSessionWithAccount, insertSession, touchSession, type SessionStage } from './sessions.repository.js';
import { vettingStatus } from './vetting.js';

export interface LoadedSession {
  session: SessionState;
  /** Set only for an active (fully signed-in) session whose account may still be used. */
  user: SignedInUser | null;
}

/** Seconds between `last_seen_at` writes, so browsing does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Server-side sessions in PostgreSQL. The cookie holds a random 256-bit token; the table holds
 * only its SHA-256. Idle and absolute timeouts are enforced on every load, and the id is
 * replaced at each step of sign-in so a planted cookie is useless (session fixation).
 */
export class SessionsService {
  constructor(private readonly deps: { db: Db; clock: Clock; config: Config }) {}

  async start(userId: string, stage: SessionStage): Promise<string> {
    const token = randomToken();
    await insertSession(this.deps.db, { idHash: sha256(token), userId, stage, csrfToken: randomToken(), at: this.deps.clock.now() });
    return token;
  }

  /** Ends the old session and starts a new one at `stage`: a fresh id for a new privilege level. */
  async rotate(old: SessionState, stage: SessionStage): Promise<string> {
    const token = randomToken();
    const at = this.deps.clock.now();
    await inTransaction(this.deps.db, async (tx) => {
      await endSession(tx, old.idHash, at);
      await insertSession(tx, { idHash: sha256(token), userId: old.userId, stage, csrfToken: randomToken(), at });
    });
    return token;
  }

  async end(session: SessionState): Promise<void> {
    await endSession(this.deps.db, session.idHash, this.deps.clock.now());
  }

  async endAllFor(userId: string): Promise<void> {
    await endAllSessionsOfUser(this.deps.db, userId, this.deps.clock.now());
  }

  async load(token: string | undefined): Promise<LoadedSession | null> {
    if (!token || token.length > 100) return null;
    const { db, clock, config } = this.deps;
    const idHash = sha256(token);
    const row = await findLiveSessionWithAccount(db, idHash);
    if (!row) return null;
    const now = clock.now();
    const idleLimit = row.last_seen_at.getTime() + config.session.idleMinutes * 60_000;
    const absoluteLimit = row.created_at.getTime() + config.session.absoluteHours * 3_600_000;
    if (now.getTime() >= idleLimit || now.getTime() >= absoluteLimit) {
      await endSession(db, idHash, now);
      return null;
    }
    // The account's own state is read with the session: disabled or lapsed, the session ends now.
    if (row.disabled_at) {
      await endSession(db, idHash, now);
      return null;
    }
    const vetting = vettingStatus(
      { dbsCheckedOn: row.dbs_checked_on, trainingCompletedOn: row.training_completed_on, agreementSignedOn: row.agreement_signed_on },
      ukDate(now),
      config.vetting,
    );
    if (vetting.lapsed.length > 0) {
      // Access stops the moment vetting lapses, even mid-session.
      await endSession(db, idHash, now);
      return null;
    }
    if (now.getTime() - row.last_seen_at.getTime() > TOUCH_INTERVAL_MS) await touchSession(db, idHash, now);
    const session: SessionState = { idHash, stage: row.stage, csrfToken: row.csrf_token, userId: row.user_id, startedAt: row.created_at };
    const user: SignedInUser | null =
      row.stage === 'active'
        ? {
            id: row.user_id,
            email: row.email,
            displayName: row.display_name,
            role: row.role,
            organisationId: row.organisation_id,
            organisationName: row.organisation_name,
            vettingWarnings: vetting.warnings,
          }
        : null;
    return { session, user };
  }
}
