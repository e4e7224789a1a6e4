import type { FastifyInstance } from 'fastify';
import type { AgencyApiService } from './agency-api.service.js';
import { apiViewer } from './agency-api.http.js';
import { ChildIdParams, CLIENT_CREDENTIALS, problemResponses, SourceParams } from './agency-api.schemas.js';
import {
  EndFlagBody, EndFlagResult, EndInvolvementBody, EndInvolvementResult, FlagBody, FlagResult, InvolvementBody, InvolvementResult, MoveBody, MoveResult,
} from './involvements.api.schemas.js';

const TAGS = ['involvements'];
const IDEMPOTENT = 'Idempotent on system + sourceId: sending the same message again changes nothing and answers 200.';

/**
 * Who is involved with a child, status flags and moves between areas, as agency systems send
 * them. Each write and its audit entry commit together (AgencyApiService).
 */
export function registerInvolvementsApiRoutes(app: FastifyInstance, deps: { agencyApi: AgencyApiService }): void {
  const { agencyApi } = deps;

  app.put<{ Params: SourceParams; Body: InvolvementBody }>(
    '/api/v1/sources/:system/involvements/:sourceId',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'Record that an agency (and optionally a named practitioner) is working with a child',
        description: `${IDEMPOTENT} The first message for a source id is kept: to change an involvement, end it and send a new one.`,
        security: CLIENT_CREDENTIALS,
        params: SourceParams,
        body: InvolvementBody,
        response: {
          200: { ...InvolvementResult, description: 'Already recorded under this source id' },
          201: { ...InvolvementResult, description: 'Recorded' },
          ...problemResponses(409),
        },
      },
    },
    async (request, reply) => {
      const { system, sourceId } = request.params;
      const result = await agencyApi.recordInvolvement(apiViewer(request), { system, id: sourceId }, request.body, request.id);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.post<{ Params: SourceParams; Body: EndInvolvementBody }>(
    '/api/v1/sources/:system/involvements/:sourceId/end',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'End an involvement this system sent, with a DfE worker-change reason',
        description: 'Ending it again on the same date changes nothing (`changed: false`); a different date is a 409.',
        security: CLIENT_CREDENTIALS,
        params: SourceParams,
        body: EndInvolvementBody,
        response: { 200: EndInvolvementResult, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const { system, sourceId } = request.params;
      return agencyApi.endInvolvement(apiViewer(request), { system, id: sourceId }, request.body, request.id);
    },
  );

  app.put<{ Params: SourceParams; Body: FlagBody }>(
    '/api/v1/sources/:system/flags/:sourceId',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'Set a status flag on a child (child protection plan, looked after, …) with the council responsible',
        description: `${IDEMPOTENT} A child has at most one open flag of each kind; another council must end its flag first (409).`,
        security: CLIENT_CREDENTIALS,
        params: SourceParams,
        body: FlagBody,
        response: {
          200: { ...FlagResult, description: 'Already held' },
          201: { ...FlagResult, description: 'Set' },
          ...problemResponses(409),
        },
      },
    },
    async (request, reply) => {
      const { system, sourceId } = request.params;
      const result = await agencyApi.setFlag(apiViewer(request), { system, id: sourceId }, request.body, request.id);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.post<{ Params: SourceParams; Body: EndFlagBody }>(
    '/api/v1/sources/:system/flags/:sourceId/end',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'End a status flag this system set',
        description: 'Ending it again on the same date changes nothing (`changed: false`); a different date is a 409.',
        security: CLIENT_CREDENTIALS,
        params: SourceParams,
        body: EndFlagBody,
        response: { 200: EndFlagResult, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const { system, sourceId } = request.params;
      return agencyApi.endFlag(apiViewer(request), { system, id: sourceId }, request.body.endedOn, request.id);
    },
  );

  app.post<{ Params: ChildIdParams; Body: MoveBody }>(
    '/api/v1/children/:childId/moves',
    {
      config: { access: 'api-client' },
      schema: {
        tags: TAGS,
        summary: 'Record that a child now lives in another council\'s area',
        description: 'Closes the current area and opens the new one; the area history then shows where the child came from. The same move sent again changes nothing (200, `created: false`).',
        security: CLIENT_CREDENTIALS,
        params: ChildIdParams,
        body: MoveBody,
        response: {
          200: { ...MoveResult, description: 'This move was already recorded' },
          201: { ...MoveResult, description: 'Recorded' },
          ...problemResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const result = await agencyApi.recordMove(apiViewer(request), request.params.childId, request.body, request.id);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );
}
