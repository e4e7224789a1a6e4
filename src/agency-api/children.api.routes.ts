import type { FastifyInstance } from 'fastify';
import type { ChildRecordsService } from '../child-records/child-records.service.js';
import type { AgencyApiService } from './agency-api.service.js';
import { apiViewer } from './agency-api.http.js';
import { ChildIdParams, CLIENT_CREDENTIALS, problemResponses, SourceParams } from './agency-api.schemas.js';
import {
  ChildRecordBody, FullSignpost, SearchBody, SearchResponse, ShieldedSignpost, SignpostQuery, UpsertChildResult,
} from './children.api.schemas.js';
import { fullSignpostBody, shieldedSignpostBody } from './children.api.view.js';

const TAGS = ['children'];

/**
 * Children for agency systems: upsert from a source system, search with a reason, and the
 * signpost look-up with a reason. Every look and search is audited by the service in the same
 * transaction; responses are never logged (the logger only ever sees paths).
 */
export function registerChildrenApiRoutes(app: FastifyInstance, deps: { childRecords: ChildRecordsService; agencyApi: AgencyApiService }): void {
  app.put<{ Params: SourceParams; Body: ChildRecordBody }>(
    '/api/v1/sources/:system/children/:sourceId',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'Create or update the child a source system knows by its own id',
        description: 'Idempotent on system + sourceId: the first call creates the child (201), later calls update that one child (200), and a repeat of the record this source id last sent changes nothing (`changed: false`), even if the child\'s record has changed since through another source. A record matched automatically to a child Signpost already held (or whose record was merged into another) is linked to that child: its later changes add identifiers no child holds yet but do not rewrite the child\'s name, address, responsible council or why the record exists, which stay as the record\'s own source keeps them (`changed: false` when there was nothing to add). A new child likely to be one already shielded is shielded too. Every field problem is named in `errors`.',
        security: CLIENT_CREDENTIALS,
        params: SourceParams,
        body: ChildRecordBody,
        response: {
          200: { ...UpsertChildResult, description: 'The child already came from this source; updated if anything differed' },
          201: { ...UpsertChildResult, description: 'A new child was created' },
          ...problemResponses(409),
        },
      },
    },
    async (request, reply) => {
      const { system, sourceId } = request.params;
      const result = await deps.childRecords.upsertFromSource(apiViewer(request), { system, id: sourceId }, request.body, request.id);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.post<{ Body: SearchBody }>(
    '/api/v1/children/search',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'Find children known to services by NHS number, or by last name and date of birth',
        description: 'Tolerates typos, nicknames, swapped day and month and former surnames. The stated reason is written to the audit with the search; without one nothing is searched. Results say only who the child is and which council to contact.',
        security: CLIENT_CREDENTIALS,
        body: SearchBody,
        response: { 200: SearchResponse, ...problemResponses() },
      },
    },
    async (request) => {
      const { reason, ...query } = request.body;
      return { results: await deps.agencyApi.search(apiViewer(request), query, reason, request.id) };
    },
  );

  app.get<{ Params: ChildIdParams; Querystring: SignpostQuery }>(
    '/api/v1/children/:childId/signpost',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'Who is working with a child: the record and signpost, looked at with a stated reason',
        description: 'The reason is written to the audit with the look. For a shielded child only a summary and the council to ask come back (`shielded: true`). A child that does not exist and one this system may not see give the same 404.',
        security: CLIENT_CREDENTIALS,
        params: ChildIdParams,
        querystring: SignpostQuery,
        response: { 200: { anyOf: [FullSignpost, ShieldedSignpost], description: 'The signpost, or a shielded child\'s summary' }, ...problemResponses(404) },
      },
    },
    async (request) => {
      const look = await deps.childRecords.lookAt(apiViewer(request), request.params.childId, request.query.reason, request.id);
      if (look.kind === 'shielded') return shieldedSignpostBody(look.summary);
      return fullSignpostBody(look.record, look.record.signpost.responsibleCouncil);
    },
  );
}
