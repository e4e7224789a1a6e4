import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import type { Config } from '../config/config.js';

export type Logger = PinoLogger;

/**
 * Field names that may carry a child's or a person's identity. Whatever the nesting, their values
 * are replaced before a line is written: logs are copied, shipped and kept, so they must never
 * hold a name, a date of birth or an address.
 */
const PERSONAL_FIELDS = [
  'name', 'names', 'givenName', 'familyName', 'fullName', 'formerNames', 'displayName',
  'dateOfBirth', 'dob', 'address', 'addresses', 'postcode', 'nhsNumber', 'upn', 'phone', 'email',
  'password', 'totp', 'code', 'secret', 'token', 'client_secret',
];

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...PERSONAL_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[withheld]' },
      base: { service: 'signpost' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        // Paths only: query strings can hold search terms such as names.
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url?.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    destination,
  );
}
