import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { totpCode } from '../src/accounts/totp.js';
import type { FixedClock } from '../src/platform/time/clock.js';

/**
 * A browser-like client for `app.inject`: keeps cookies between requests and fills in the CSRF
 * token from the last page, so tests read like a person using the service.
 */
export class HttpSession {
  readonly cookies = new Map<string, string>();
  lastBody = '';

  constructor(private readonly app: FastifyInstance) {}

  async request(options: InjectOptions): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.app.inject({ ...options, headers: { ...(cookie ? { cookie } : {}), ...options.headers } });
    for (const c of response.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    if ((response.headers['content-type'] ?? '').toString().startsWith('text/html')) this.lastBody = response.body;
    return response;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'GET', url });
  }

  /** Posts a form as a browser would, with the CSRF token from the last page unless given. */
  post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams({ _csrf: csrfTokenIn(this.lastBody), ...form }).toString();
    return this.request({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
}

export function csrfTokenIn(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** Signs in through the real pages: password, then the TOTP code at the clock's time. */
export async function signInAs(app: FastifyInstance, clock: FixedClock, email: string, password: string, totpSecret: string): Promise<HttpSession> {
  const session = new HttpSession(app);
  await session.get('/sign-in');
  const passwordStep = await session.post('/sign-in', { email, password });
  if (passwordStep.headers.location !== '/sign-in/mfa') throw new Error(`password step failed: ${passwordStep.statusCode}`);
  await session.get('/sign-in/mfa');
  const codeStep = await session.post('/sign-in/mfa', { code: totpCode(totpSecret, clock.now()) });
  if (codeStep.headers.location !== '/') throw new Error(`code step failed: ${codeStep.statusCode}`);
  return session;
}
