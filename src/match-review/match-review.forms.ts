/** One text field from a query string or form body; anything else (arrays, objects) is its first string or ''. */
export function fieldText(source: unknown, name: string): string {
  const value = (source as Record<string, unknown> | null | undefined)?.[name];
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  // Control characters (bar tab and line breaks) are never meant, and PostgreSQL text refuses NUL.
  return typeof first === 'string' ? first.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim() : '';
}

const ITEM_ID = /^[0-9]{1,15}$/;

/** A review item reference from the path, or null when it cannot be one. */
export function itemIdFrom(params: unknown): number | null {
  const raw = fieldText(params, 'id');
  return ITEM_ID.test(raw) ? Number(raw) : null;
}

/** How the queue is listed: oldest first (the default), or the pairs most likely one child first. */
export type QueueOrder = 'oldest' | 'likely';

/** The queue's order from the query string; anything else is the default (a link, not a form field). */
export function queueOrderFrom(query: unknown): QueueOrder {
  return fieldText(query, 'order') === 'likely' ? 'likely' : 'oldest';
}

/** Page numbers from 1; anything else is page 1 (a link, not a form field). */
export function pageFrom(query: unknown): number {
  const n = Number(fieldText(query, 'page'));
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1;
}

/** GOV.UK error summary items, in the order the fields appear on the page. */
export function errorList(fieldErrors: Record<string, string>): { text: string; href: string }[] {
  return Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` }));
}
