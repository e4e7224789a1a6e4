import type { Ledger, WriteKind } from './ledger.js';
import type { Random } from './random.js';
import { sleep } from './service.js';
import { letters, syntheticNhsNumber } from './synthetic.js';

/** The agency system the writers act as (registered with `signpost clients add`). */
export interface AgencyClient {
  clientId: string;
  clientSecret: string;
  /** The source system the client may send as. */
  system: string;
  councilCode: string;
}

const TRIES = 6;

/** A write's answer; status 0 when there was none (connection refused or reset, timeout). */
interface Answer {
  status: number;
  json: Record<string, string>;
}
const REQUEST_TIMEOUT_MS = 10_000;

const FAMILY = ['Ashworth', 'Brennan', 'Castell', 'Dunmore', 'Ellery', 'Fairbairn', 'Greaves', 'Holloway'];
const GIVEN = ['Ada', 'Bram', 'Cleo', 'Dara', 'Esme', 'Finn', 'Greta', 'Hal'];

/**
 * Concurrent agency-API writers: each puts a child, then an involvement and a flag for it, every
 * write under a new source key, and records in the ledger what was acknowledged. A failed write is
 * retried with the same key (so retries also exercise idempotency), then given up.
 */
export class Writers {
  #stopping = false;
  #running: Promise<void>[] = [];
  #token: Promise<string | null> | undefined;
  #sequence = 0;

  constructor(
    private readonly url: () => string,
    private readonly client: AgencyClient,
    private readonly ledger: Ledger,
    private readonly random: Random,
  ) {}

  start(count: number): void {
    this.#stopping = false;
    for (let w = 0; w < count; w++) this.#running.push(this.#loop());
  }

  /** Lets each writer finish the write in hand (bounded by its retries), then returns. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#running);
    this.#running = [];
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      const n = this.#sequence++;
      const childKey = `c-${String(n)}`;
      const child = await this.#write('child', childKey, `/api/v1/sources/${this.client.system}/children/${childKey}`, this.#childRecord(n));
      if (!child) continue;
      await this.#write('involvement', `i-${String(n)}`, `/api/v1/sources/${this.client.system}/involvements/i-${String(n)}`, {
        childSourceId: childKey, organisationCode: this.client.councilCode, role: 'allocated_social_worker', service: 'Assessment team', startedOn: '2026-09-01',
      });
      await this.#write('flag', `f-${String(n)}`, `/api/v1/sources/${this.client.system}/flags/f-${String(n)}`, {
        childSourceId: childKey, kind: 'child_in_need', councilCode: this.client.councilCode, startedOn: '2026-09-01',
      });
    }
  }

  /** Synthetic identity; never printed or logged. */
  #childRecord(n: number): Record<string, unknown> {
    const year = this.random.int(2010, 2024);
    const day = String(this.random.int(1, 28)).padStart(2, '0');
    const month = String(this.random.int(1, 12)).padStart(2, '0');
    return {
      givenNames: this.random.pick(GIVEN),
      familyName: `${this.random.pick(FAMILY)}-${letters(n * 7919 + 1000)}`,
      nhsNumber: syntheticNhsNumber(0, n),
      dateOfBirth: `${String(year)}-${month}-${day}`,
      sex: this.random.pick(['male', 'female']),
      address: { lines: [`${String(this.random.int(1, 200))} Canal Street`], town: 'Leeds', postcode: 'LS1 4AB' },
      recordTrigger: 'child_in_need',
      triggerDate: '2026-09-01',
      responsibleCouncilCode: this.client.councilCode,
    };
  }

  /** One write with retries; the acknowledged child id, or null when it was given up. */
  async #write(kind: WriteKind, sourceId: string, path: string, body: unknown): Promise<string | null> {
    for (let attempt = 1; attempt <= TRIES; attempt++) {
      const token = await this.#bearer();
      if (token) {
        const started = Date.now();
        const response = await fetch(`${this.url()}${path}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        }).then(async (r): Promise<Answer> => ({ status: r.status, json: (await r.json().catch(() => ({}))) as Record<string, string> }), (): Answer => ({ status: 0, json: {} }));
        this.ledger.answered(response.status, Date.now() - started);
        if (response.status >= 200 && response.status <= 299) {
          const id = response.json[`${kind}Id`] ?? '';
          const childId = response.json['childId'] ?? '';
          this.ledger.acknowledge({ kind, sourceId, id, childId });
          return childId;
        }
        if (response.status === 401) this.#token = undefined;
        if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 429) {
          throw new Error(`the service refused a ${kind} write with ${String(response.status)}: ${JSON.stringify(response.json)}`);
        }
      }
      if (this.#stopping && attempt >= 2) break;
      await sleep(150 * attempt);
    }
    this.ledger.abandoned += 1;
    return null;
  }

  /** One token shared by the writers, fetched again after a 401. */
  #bearer(): Promise<string | null> {
    this.#token ??= fetch(`${this.url()}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${this.client.clientId}:${this.client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }).then(async (r) => (r.ok ? ((await r.json()) as { access_token: string }).access_token : null), () => null).then((token) => {
      // A failed token request (service down) is tried again on the next write.
      if (!token) this.#token = undefined;
      return token;
    });
    return this.#token;
  }
}
