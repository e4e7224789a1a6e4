import { ValidationError } from '../platform/http/errors.js';
import { isCalendarDate } from '../platform/time/calendar-date.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Collects per-field problems so one ValidationError names every field that needs fixing, for a
 * form's error summary and for an agency system's log alike. Messages never hold child details.
 */
export class FieldErrors {
  readonly #fields: Record<string, string> = {};

  add(field: string, message: string): void {
    this.#fields[field] ??= message;
  }

  has(field: string): boolean {
    return field in this.#fields;
  }

  uuid(field: string, value: string): void {
    if (!isUuid(value)) this.add(field, `${field} must be an id (a UUID)`);
  }

  date(field: string, value: string): void {
    if (!isCalendarDate(value)) this.add(field, `${field} must be a real date in the form YYYY-MM-DD`);
  }

  text(field: string, value: string, max: number): void {
    if (value.trim().length === 0) this.add(field, `${field} must not be empty`);
    else if (value.length > max) this.add(field, `${field} must be ${max} characters or fewer`);
  }

  /** Throws when anything was added: "Check the involvement: organisationId: no organisation has this id". */
  throwIfAny(what: string): void {
    const entries = Object.entries(this.#fields);
    if (entries.length === 0) return;
    throw new ValidationError(`Check the ${what}: ${entries.map(([, message]) => message).join('; ')}`, { ...this.#fields });
  }
}
