/**
 * The one error vocabulary. Services throw these with stable codes; a single handler maps them to
 * `application/problem+json` for the API and a GOV.UK error page for browsers. Messages are shown
 * to people, so they say what to do and never contain a child's details.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    /** Stable, machine-readable code, e.g. "not-found". */
    readonly code: string,
    readonly status: number,
    message: string,
    /** Per-field messages for forms and API clients (field name → message). */
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  constructor(message = 'Page not found') {
    super('not-found', 404, message);
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, fields: Record<string, string> = {}) {
    super('validation-failed', 400, message, fields);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Sign in to continue') {
    super('unauthenticated', 401, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You do not have access to this') {
    super('forbidden', 403, message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class UnavailableError extends DomainError {
  constructor(message = 'The service is temporarily unavailable. Try again in a minute.') {
    super('unavailable', 503, message);
  }
}
