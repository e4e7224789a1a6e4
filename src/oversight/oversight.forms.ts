import { AUDIT_ACTIONS } from '../audit/audit-entry.js';
import { isUuid } from '../involvements/field-errors.js';
import type { AlertStatus } from './oversight.repository.js';
import { ALERT_STATUSES, type AuditSearch } from './oversight.service.js';

/**
 * The workspace's GET forms, read from the query string by hand: a schema at the route would
 * answer a malformed query with 400 before the access check, telling someone who may not use the
 * workspace that it exists. Here the check comes first and bad input becomes field errors.
 */

/** A query-string or form value as one string: a repeated parameter counts as its first value. */
export function fieldText(query: unknown, name: string): string {
  const value = (query as Record<string, unknown> | null | undefined)?.[name];
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  // Control characters (bar tab and line breaks) are never meant, and PostgreSQL text refuses NUL.
  return typeof first === 'string' ? first.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim() : '';
}

/** Page numbers from 1; anything else is page 1 (a link, not a form field). */
export function pageFrom(query: unknown): number {
  const raw = fieldText(query, 'page');
  const n = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, Math.min(n, 100_000));
}

/** The date from GOV.UK's three-box date input, or a field error. */
export function dateFrom(day: string, month: string, year: string, label: string): { date?: string; error?: string } {
  const parts = [day, month, year];
  if (parts.every((p) => p === '')) return {};
  if (parts.some((p) => !/^\d{1,4}$/.test(p))) return { error: `${label} must include a day, month and year in numbers` };
  const [d, m, y] = parts.map(Number) as [number, number, number];
  if (y < 2000 || y > 2100) return { error: `${label} must include a 4-digit year` };
  const iso = `${String(y)}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const check = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== iso) return { error: `${label} must be a real date` };
  return { date: iso };
}

/** What the search form shows back: the values as typed. */
export type SearchValues = Record<'email' | 'child' | 'organisation' | 'action' | 'basis' | 'fromDay' | 'fromMonth' | 'fromYear' | 'toDay' | 'toMonth' | 'toYear', string>;

export function parseAuditSearch(query: unknown): { search: AuditSearch; values: SearchValues; fieldErrors: Record<string, string> } {
  const values: SearchValues = {
    email: fieldText(query, 'email'), child: fieldText(query, 'child'), organisation: fieldText(query, 'organisation'), action: fieldText(query, 'action'), basis: fieldText(query, 'basis'),
    fromDay: fieldText(query, 'from-day'), fromMonth: fieldText(query, 'from-month'), fromYear: fieldText(query, 'from-year'),
    toDay: fieldText(query, 'to-day'), toMonth: fieldText(query, 'to-month'), toYear: fieldText(query, 'to-year'),
  };
  const fieldErrors: Record<string, string> = {};
  const search: AuditSearch = { page: pageFrom(query) };
  const upTo = fieldText(query, 'upto');
  if (/^[0-9]{1,15}$/.test(upTo)) search.upTo = Number(upTo);
  if (values.email) {
    if (values.email.length > 254 || !values.email.includes('@')) fieldErrors['email'] = 'Enter an email address in the correct format, like name@council.gov.uk';
    else search.email = values.email;
  }
  if (values.child) {
    if (!isUuid(values.child)) fieldErrors['child'] = 'Enter the child\'s Signpost reference, like 0b6f3c1e-8d2a-4c5b-9e7f-1a2b3c4d5e6f';
    else search.childId = values.child.toLowerCase();
  }
  if (values.organisation) {
    if (values.organisation.length > 50) fieldErrors['organisation'] = 'Organisation code must be 50 characters or fewer';
    else search.organisationCode = values.organisation;
  }
  if (values.action) {
    if (!(AUDIT_ACTIONS as readonly string[]).includes(values.action)) fieldErrors['action'] = 'Select an action from the list';
    else search.action = values.action;
  }
  if (values.basis) {
    if (values.basis.length > 200) fieldErrors['basis'] = 'Basis must be 200 characters or fewer';
    else search.basis = values.basis;
  }
  const from = dateFrom(values.fromDay, values.fromMonth, values.fromYear, 'Start date');
  const to = dateFrom(values.toDay, values.toMonth, values.toYear, 'End date');
  if (from.error) fieldErrors['from'] = from.error;
  else if (from.date) search.from = from.date;
  if (to.error) fieldErrors['to'] = to.error;
  else if (to.date) search.to = to.date;
  if (search.from && search.to && search.to < search.from) fieldErrors['to'] = 'End date must be the same as or after the start date';
  return { search, values, fieldErrors };
}

/** The queue's status filter: empty or "all" for every status. */
export function parseStatusFilter(query: unknown): { status: AlertStatus | null; value: string; error?: string } {
  const value = fieldText(query, 'status');
  if (value === '' || value === 'all') return { status: null, value: 'all' };
  const status = ALERT_STATUSES.find((s) => s === value);
  return status ? { status, value } : { status: null, value: 'all', error: 'Select a status from the list' };
}

/** Where each field's error links to in the summary (the first box of a date input). */
export function errorList(fieldErrors: Record<string, string>): { text: string; href: string }[] {
  const anchor: Record<string, string> = { from: 'from-day', to: 'to-day', outcome: 'outcome' };
  return Object.entries(fieldErrors).map(([field, message]) => ({ text: message, href: `#${anchor[field] ?? field}` }));
}

/** The query string for another page of the same search: the same terms, without `page`, plus `set`. */
export function queryForPages(query: unknown, set: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (key === 'page' || key in set) continue;
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    if (typeof first === 'string' && first !== '') params.set(key, first);
  }
  for (const [key, value] of Object.entries(set)) params.set(key, value);
  return params.toString();
}
