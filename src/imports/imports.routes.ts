import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyMultipart, { type MultipartFile, type Multipart } from '@fastify/multipart';
import { Type, type Static } from '@sinclair/typebox';
import { viewerForUser } from '../access/viewer.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { SignedInUser } from '../platform/http/request-context.js';
import { CHILD_COLUMNS, INVOLVEMENT_COLUMNS, MAX_FEED_BYTES, MAX_FEED_ROWS } from './feed-columns.js';
import { rejectionsCsv } from './feed-csv.js';
import { feedFileFromBytes, FeedFileError, type InspectedFeed } from './feed-file.js';
import { ImportInProgressError, type FeedImportService } from './feed-import.service.js';

/** Rejections shown on the status page; all of them are in the CSV download. */
const SHOW_REJECTIONS = 500;
const RunParams = Type.Object({ runId: Type.String({ maxLength: 100 }) });
const RunQuery = Type.Object({ refresh: Type.Optional(Type.String({ maxLength: 10 })) });

/**
 * What the upload's first parts said, read before the platform's CSRF and session checks run.
 * Browsers send a form's parts in document order, so the hidden `_csrf` field and the source
 * system come before the file; the file itself is read only after the checks have passed.
 */
interface Upload {
  parts: AsyncIterator<Multipart> | undefined;
  file: MultipartFile | undefined;
  consumed: boolean;
  unreadable: boolean;
}

const uploads = new WeakMap<FastifyRequest, Upload>();

const UNREADABLE = 'The file could not be uploaded. Choose the file again and try once more.';

/**
 * The upload page and the import status page. Only a council's social workers and Signpost
 * administrators may import (others get a 403 page); a run's page is seen by its organisation's
 * importers. The file is held in memory (never written to disk, as it lists children) while the
 * import runs in the background of this server.
 */
export async function registerImportRoutes(app: FastifyInstance, deps: { imports: FeedImportService }): Promise<void> {
  app.addHook('onClose', () => deps.imports.close());

  await app.register(async (scope) => {
    // Multipart only here: no other form takes files.
    await scope.register(fastifyMultipart, { limits: { fileSize: MAX_FEED_BYTES, files: 1, fields: 4, fieldSize: 1000, parts: 5, headerPairs: 50 } });

    // A part-read request must not leave the rest of its body unread (e.g. after a 403).
    scope.addHook('onResponse', async (request) => {
      const upload = uploads.get(request);
      if (upload?.file && !upload.consumed) upload.file.file.resume();
    });

    const requireImporter = async (request: FastifyRequest): Promise<SignedInUser> => {
      const user = request.user!;
      if (!(await deps.imports.mayImport(user))) {
        throw new ForbiddenError('Only social workers and Signpost administrators at a council can import feeds. Ask your council\'s Signpost administrator.');
      }
      return user;
    };

    const renderForm = (values: Record<string, string>, fieldErrors: Record<string, string> = {}) => ({
      values,
      fieldErrors,
      errors: Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` })),
      childColumns: CHILD_COLUMNS,
      involvementColumns: INVOLVEMENT_COLUMNS,
      maxMegabytes: Math.round(MAX_FEED_BYTES / (1024 * 1024)),
      maxRows: MAX_FEED_ROWS.toLocaleString('en-GB'),
    });

    scope.get('/imports/new', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
      await requireImporter(request);
      return reply.renderPage('imports/views/new.njk', renderForm({}));
    });

    scope.post('/imports', {
      config: { access: 'user', rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { hide: true },
      preValidation: readFirstParts,
    }, async (request, reply) => {
      const user = await requireImporter(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const sourceSystem = typeof body['sourceSystem'] === 'string' ? body['sourceSystem'].trim() : '';
      const values = { sourceSystem };
      const fieldErrors: Record<string, string> = {};
      if (!sourceSystem) fieldErrors['sourceSystem'] = 'Enter the name of the system the file comes from';
      const upload = uploads.get(request);
      const received = await readFile(upload);
      if ('error' in received) fieldErrors['feedFile'] = received.error;

      let feed: InspectedFeed | undefined;
      if ('bytes' in received) {
        try {
          feed = await deps.imports.inspect(feedFileFromBytes(received.name, received.bytes), sourceSystem || 'unnamed');
        } catch (error) {
          if (error instanceof FeedFileError) fieldErrors['feedFile'] = error.message;
          else if (error instanceof ValidationError && error.fields['sourceSystem']) fieldErrors['sourceSystem'] = error.fields['sourceSystem'];
          else throw error;
        }
      }
      if (!feed || Object.keys(fieldErrors).length > 0) {
        return reply.code(400).renderPage('imports/views/new.njk', renderForm(values, fieldErrors));
      }
      try {
        const { runId } = await deps.imports.startInBackground(viewerForUser(user), feed, sourceSystem, { createdByUserId: user.id, requestId: request.id, logger: request.log });
        return await reply.redirect(`/imports/${runId}`, 303);
      } catch (error) {
        if (error instanceof ImportInProgressError && error.runId) return reply.redirect(`/imports/${error.runId}`, 303);
        if (!(error instanceof ConflictError)) throw error;
        return reply.code(409).renderPage('imports/views/new.njk', renderForm(values, { feedFile: error.message }));
      }
    });

    scope.get<{ Params: Static<typeof RunParams>; Querystring: Static<typeof RunQuery> }>(
      '/imports/:runId',
      { config: { access: 'user' }, schema: { hide: true, params: RunParams, querystring: RunQuery } },
      async (request, reply) => {
        const user = await requireImporter(request);
        const run = await deps.imports.run(request.params.runId);
        // Another organisation's import is as unknown as a missing one.
        if (!run || run.organisationId !== user.organisationId) throw new NotFoundError('There is no import with this reference');
        const rejections = run.rejected > 0 ? await deps.imports.rejections(run.id, SHOW_REJECTIONS) : { entries: [], total: 0 };
        const running = run.status === 'running';
        return reply.renderPage('imports/views/status.njk', {
          run,
          percent: run.totalRows === 0 ? 100 : Math.floor((run.rowsDone / run.totalRows) * 100),
          rejections: rejections.entries,
          rejectionCaption: rejections.total > rejections.entries.length
            ? `Rejected rows by line (the first ${String(rejections.entries.length)} of ${String(rejections.total)}: download them all below)`
            : 'Rejected rows by line',
          refresh: running && request.query.refresh !== 'off',
          running,
        });
      },
    );

    scope.get<{ Params: Static<typeof RunParams> }>(
      '/imports/:runId/rejections.csv',
      { config: { access: 'user' }, schema: { hide: true, params: RunParams } },
      async (request, reply) => {
        const user = await requireImporter(request);
        const run = await deps.imports.run(request.params.runId);
        if (!run || run.organisationId !== user.organisationId) throw new NotFoundError('There is no import with this reference');
        const { entries } = await deps.imports.rejections(run.id, Number.MAX_SAFE_INTEGER);
        const name = `${run.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}.rejections.csv`;
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(rejectionsCsv(entries));
      },
    );
  });
}

/**
 * Reads the form's fields up to the file (not the file) into `request.body`, so the platform's
 * CSRF check sees `_csrf` like any other form post. A malformed upload leaves what was read and
 * is reported on the form once the sign-in and CSRF checks have passed.
 */
async function readFirstParts(request: FastifyRequest): Promise<void> {
  const upload: Upload = { parts: undefined, file: undefined, consumed: false, unreadable: false };
  uploads.set(request, upload);
  if (!request.isMultipart()) return;
  const fields = Object.create(null) as Record<string, string>;
  request.body = fields;
  try {
    const parts = request.parts()[Symbol.asyncIterator]();
    upload.parts = parts;
    for (;;) {
      const next = await parts.next();
      if (next.done) return;
      const part = next.value;
      if (part.type === 'file') {
        upload.file = part;
        return;
      }
      if (typeof part.value === 'string' && !(part.fieldname in fields)) fields[part.fieldname] = part.value;
    }
  } catch {
    upload.unreadable = true;
  }
}

/** The uploaded file's bytes (at most the size limit), or what to tell the person. */
async function readFile(upload: Upload | undefined): Promise<{ name: string; bytes: Buffer } | { error: string }> {
  if (!upload || upload.unreadable) return upload?.unreadable ? { error: UNREADABLE } : { error: 'Select a CSV file' };
  const part = upload.file;
  if (!part) return { error: 'Select a CSV file' };
  upload.consumed = true;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of part.file as AsyncIterable<Buffer>) chunks.push(chunk);
  } catch {
    return { error: UNREADABLE };
  }
  const truncated = part.file.truncated;
  // Let the parser finish the request (and drop anything after the file).
  try {
    for (;;) if ((await upload.parts!.next()).done) break;
  } catch {
    if (!truncated) return { error: UNREADABLE };
  }
  if (truncated) return { error: `The file must be smaller than ${String(Math.round(MAX_FEED_BYTES / (1024 * 1024)))} MB. Split it into smaller files.` };
  if (!part.filename) return { error: 'Select a CSV file' };
  return { name: part.filename, bytes: Buffer.concat(chunks) };
}
