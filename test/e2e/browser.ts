import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium; CI installs it (see .ci/run). Override with SIGNPOST_CHROMIUM. */
export const CHROMIUM_PATH = process.env['SIGNPOST_CHROMIUM'] ?? '/usr/bin/chromium';

/** The flags QUALITY.md asks for: headless, and no calls to Google's services on a closed network. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium (or set SIGNPOST_CHROMIUM).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page against WCAG 2.0/2.1/2.2 A and AA rules and returns the violations.
 * The script is evaluated through the DevTools protocol, so the page's strict CSP stays on.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // This function runs in the page, where `document` and the injected `axe` live.
    const page = globalThis as unknown as { document: unknown; axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } };
    const result = await page.axe.run(page.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');
}

/**
 * Passes once the element is shown; fails after ten seconds. Playwright's `isVisible()` answers at
 * once, so straight after a click that submits a form it can read the page being left: a loaded CI
 * machine failed a test that way.
 */
export async function assertShown(locator: Locator, message?: string): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: 10_000 }).catch((error: unknown) => {
    throw new Error(`${message ?? 'expected to be shown'}: ${error instanceof Error ? error.message : String(error)}`);
  });
}
