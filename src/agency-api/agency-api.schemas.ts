import { Type, type TObject, type TSchema, type Static } from '@sinclair/typebox';

/**
 * Schema pieces every agency-API route shares. Request schemas check shapes and sizes only; the
 * services check meaning (real dates, NHS number check digits, codes), so one 400 names every
 * field to fix rather than the first that fails a schema.
 */

/** A string that may also be null: one JSON Schema type list, so null is never coerced to "". */
export function nullableString(options: { maxLength: number; minLength?: number; description?: string; examples?: string[] }) {
  return Type.Unsafe<string | null>({ ...options, type: ['string', 'null'] });
}

/** A boolean that may also be null. */
export function nullableBoolean(description?: string) {
  return Type.Unsafe<boolean | null>({ type: ['boolean', 'null'], ...(description === undefined ? {} : { description }) });
}

/**
 * An array or null. A type list, not anyOf: Fastify's Ajv coerces types, and inside anyOf a failed
 * branch's coercion hides the real error ("must be array" for an array).
 */
export function nullableArray<T extends TSchema>(items: T, options: { maxItems: number; description?: string }) {
  return Type.Unsafe<Static<T>[] | null>({ ...options, type: ['array', 'null'], items });
}

/** An object or null (no unknown properties), for the same reason. */
export function nullableObject<T extends TObject>(object: T, description?: string) {
  return Type.Unsafe<Static<T> | null>({ ...object, type: ['object', 'null'], ...(description === undefined ? {} : { description }) });
}

/** A value or null, for response schemas. */
export function orNull<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export const SOURCE_SYSTEM_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$';

/** `{system}` and `{sourceId}`: the sending system's name and its own id for the record. */
export const SourceParams = Type.Object(
  {
    system: Type.String({
      pattern: SOURCE_SYSTEM_PATTERN,
      description: 'The sending system\'s name, the same on every call (1–64 letters, digits, spaces or . _ : -), e.g. "leeds-mosaic"',
      examples: ['leeds-mosaic'],
    }),
    sourceId: Type.String({ minLength: 1, maxLength: 100, description: 'The sending system\'s own id for this record', examples: ['P-10442'] }),
  },
  { additionalProperties: false },
);
export type SourceParams = Static<typeof SourceParams>;

export const ChildIdParams = Type.Object(
  {
    // Not checked as a UUID here: a malformed id must get the same 404 as an unknown one.
    childId: Type.String({ description: 'Signpost\'s id for the child (a UUID)' }),
  },
  { additionalProperties: false },
);
export type ChildIdParams = Static<typeof ChildIdParams>;

export const CalendarDateString = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

/** How to reach a council about a child. */
export const CouncilContactSchema = Type.Object({
  councilId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  officeHoursPhone: orNull(Type.String()),
  emergencyDutyPhone: orNull(Type.String()),
  email: orNull(Type.String()),
});

const problem = (description: string) => Type.Ref('Problem', { description });

/** The problem responses every agency-API route can give; `extra` adds route-specific ones. */
export function problemResponses(...extra: (404 | 409)[]) {
  const problems: Record<number, ReturnType<typeof problem>> = {
    400: problem('The request is not valid: `errors` names each field to fix'),
    401: problem('No valid bearer token: get one from POST /oauth/token'),
  };
  if (extra.includes(404)) problems[404] = problem('No such record, or one this system may not see');
  if (extra.includes(409)) problems[409] = problem('The record conflicts with what is held (e.g. a second lead professional)');
  return problems;
}

/** The OpenAPI security requirement every agency-API route declares. */
export const CLIENT_CREDENTIALS = [{ clientCredentials: [] as string[] }];
