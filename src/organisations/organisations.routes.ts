import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { OrganisationsService } from './organisations.service.js';

const Kind = Type.Union([
  Type.Literal('council'), Type.Literal('police'), Type.Literal('nhs_trust'), Type.Literal('gp_practice'),
  Type.Literal('school'), Type.Literal('voluntary'), Type.Literal('national'),
]);

const Query = Type.Object(
  {
    kind: Type.Optional(Kind),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

const Organisation = Type.Object({
  id: Type.String({ format: 'uuid' }),
  code: Type.String(),
  kind: Kind,
  name: Type.String(),
  councilId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  officeHoursPhone: Type.Union([Type.String(), Type.Null()]),
  emergencyDutyPhone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  urn: Type.Union([Type.String(), Type.Null()]),
  odsCode: Type.Union([Type.String(), Type.Null()]),
});

export function registerOrganisationRoutes(app: FastifyInstance, deps: { organisations: OrganisationsService }): void {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/api/v1/organisations',
    {
      config: { access: 'api-client' },
      schema: {
        tags: ['directory'],
        summary: 'List organisations: councils (with duty contact numbers), police forces, NHS bodies, schools and services',
        security: [{ clientCredentials: [] }],
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(Organisation) }),
          400: Type.Ref('Problem'),
          401: Type.Ref('Problem'),
        },
      },
    },
    async (request) => ({ items: await deps.organisations.list(request.query) }),
  );
}
