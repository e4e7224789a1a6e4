import { totpCode } from '../src/accounts/totp.js';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../src/demo/demo-accounts.js';

/** A signed-in browser session: the cookie to send and the form token its pages carry. */
export interface SignedInSession {
  cookie: string;
  csrf: string;
}

/**
 * Signs a demo account in through the real pages (password, then the time-based code), as a
 * person would, so benchmark requests pay for the same session checks as real ones.
 */
export async function signInOverHttp(baseUrl: string, email: string): Promise<SignedInSession> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const call = async (path: string, form?: Record<string, string>) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = ''] = setCookie.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  };
  const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

  const start = await call('/sign-in');
  const password = await call('/sign-in', { _csrf: csrfIn(start.body), email, password: DEMO_PASSWORD });
  if (password.location !== '/sign-in/mfa') throw new Error(`benchmark sign-in: the password step answered ${password.status}`);
  const challenge = await call('/sign-in/mfa');
  const code = await call('/sign-in/mfa', { _csrf: csrfIn(challenge.body), code: totpCode(DEMO_TOTP_SECRET, new Date()) });
  if (code.location !== '/') throw new Error(`benchmark sign-in: the code step answered ${code.status} (a code is single-use: wait 30 s between runs for one account)`);
  const searchPage = await call('/children/search');
  return { cookie: cookieHeader(), csrf: csrfIn(searchPage.body) };
}
