import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../build-test-app.js';
import { anOrganisation } from './accounts.js';

/** An agency system with a bearer token got the way a real one gets it: POST /oauth/token. */
export interface AgencySystem {
  clientId: string;
  organisationId: string;
  token: string;
  /** `app.inject` with the bearer token; `payload` is sent as JSON (a string is sent as it is, as JSON). */
  call(method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown): Promise<LightMyRequestResponse>;
}

/** The source systems test clients may send as, unless a test says otherwise. */
export const TEST_SOURCE_SYSTEMS = ['niche-rms', 'mosaic', 'liquidlogic'];

export async function anAgencySystem(t: TestApp, kind: 'police' | 'school' | 'council' = 'police', name = 'Test case system', sourceSystems: readonly string[] = TEST_SOURCE_SYSTEMS): Promise<AgencySystem> {
  const organisationId = await anOrganisation(t, kind);
  const { clientId, clientSecret } = await t.services.apiClients.register(organisationId, name, sourceSystems);
  const response = await t.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (response.statusCode !== 200) throw new Error(`token request failed: ${String(response.statusCode)}`);
  const token = response.json<{ access_token: string }>().access_token;
  return {
    clientId,
    organisationId,
    token,
    call: (method, url, payload) => {
      const options: InjectOptions = { method, url, headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) } };
      if (payload !== undefined) options.payload = payload as InjectOptions['payload'];
      return t.app.inject(options);
    },
  };
}
