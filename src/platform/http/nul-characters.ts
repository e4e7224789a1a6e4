import type { FastifyInstance } from 'fastify';
import { ValidationError } from './errors.js';

/**
 * Refuses a request whose form, JSON body, query or path holds a NUL character (U+0000) with a
 * 400 naming the field, before any handler runs. PostgreSQL cannot store a NUL in text, so one
 * otherwise failed deep inside a write as a server error (a look's reason did: the look's audit
 * entry could not be written), and no field of ours has a use for it.
 */
export function registerNulRefusal(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const field = nulIn(request.params, 'path') ?? nulIn(request.query, 'query') ?? nulIn(request.body, 'body');
    if (field !== null) {
      throw new ValidationError('Remove the NUL character (character code 0) from what you sent: Signpost cannot store it.', { [field]: 'Remove the NUL character (character code 0)' });
    }
  });
}

/** Where in `value` (a parsed form, JSON value or parameter set) a NUL is, or null. */
function nulIn(value: unknown, at: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  // Parsed bodies are plain objects and arrays; a file upload's Buffer or stream is not ours to read here.
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > 64) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return at;
    const found = nulIn(inner, depth === 0 && at === 'body' ? key : `${at}.${key}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
