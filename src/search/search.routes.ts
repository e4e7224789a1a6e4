import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ValidationError } from '../platform/http/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import { ChildSearchService, type ChildSearchQuery } from './child-search.service.js';
import { isSearchReason, SEARCH_REASONS } from './search-reasons.js';

const short = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const SearchForm = Type.Object(
  {
    _csrf: short(200), reason: short(50), reasonDetail: short(2000), nhsNumber: short(40),
    givenNames: short(200), familyName: short(200), 'dob-day': short(10), 'dob-month': short(10), 'dob-year': short(10),
  },
  { additionalProperties: false },
);
type SearchFormBody = Static<typeof SearchForm>;

/** The date from GOV.UK's three-box date input, or a field error. */
function dateFrom(day = '', month = '', year = ''): { date?: string; error?: string } {
  const parts = [day, month, year].map((p) => p.trim());
  if (parts.every((p) => p === '')) return {};
  if (parts.some((p) => !/^\d+$/.test(p))) return { error: 'Date of birth must include a day, month and year in numbers' };
  const [d, m, y] = parts.map(Number) as [number, number, number];
  if (y < 1900 || y > 2100) return { error: 'Year must include 4 numbers' };
  const iso = `${String(y)}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const check = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== iso) return { error: 'Date of birth must be a real date' };
  return { date: iso };
}

const errorList = (fieldErrors: Record<string, string>) =>
  Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field === 'reason' ? 'reason' : field === 'dateOfBirth' ? 'dateOfBirth-day' : field}` }));

export function registerSearchRoutes(app: FastifyInstance, deps: { search: ChildSearchService; audit: Pick<AuditService, 'stamp'> }): void {
  const render = (values: Record<string, unknown>, fieldErrors: Record<string, string> = {}) => ({
    reasons: SEARCH_REASONS,
    values,
    fieldErrors,
    errors: errorList(fieldErrors),
  });

  app.get('/children/search', { config: { access: 'user' }, schema: { hide: true } }, async (_request, reply) => {
    return reply.renderPage('search/views/search.njk', render({}));
  });

  app.post<{ Body: SearchFormBody }>(
    '/children/search',
    { config: { access: 'user', rateLimit: { max: 60, timeWindow: '1 minute' } }, schema: { body: SearchForm, hide: true } },
    async (request, reply) => {
      const body = request.body;
      const values = { ...body, dobDay: body['dob-day'], dobMonth: body['dob-month'], dobYear: body['dob-year'] };
      const fieldErrors: Record<string, string> = {};
      const reason = body.reason ?? '';
      const reasonDetail = (body.reasonDetail ?? '').trim();
      if (!isSearchReason(reason)) fieldErrors['reason'] = 'Select why you are searching';
      else if (reason === 'other' && !reasonDetail) fieldErrors['reasonDetail'] = 'Say why you are searching';
      if (reasonDetail.length > 500) fieldErrors['reasonDetail'] = 'Reason must be 500 characters or fewer';
      const dob = dateFrom(body['dob-day'], body['dob-month'], body['dob-year']);
      if (dob.error) fieldErrors['dateOfBirth'] = dob.error;
      const query: ChildSearchQuery = { nhsNumber: body.nhsNumber, givenNames: body.givenNames, familyName: body.familyName, dateOfBirth: dob.date };
      try {
        // The same check the service makes, so the form and the API agree.
        if (!dob.error) ChildSearchService.validate(query);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        Object.assign(fieldErrors, error.fields);
      }
      if (Object.keys(fieldErrors).length > 0) {
        return reply.code(400).renderPage('search/views/search.njk', render(values, fieldErrors));
      }
      // The search and its audit entry stand or fall together: the entry is written by the
      // search's own statement, so it is committed before any result leaves, and if it cannot be
      // written the search fails. (No transaction held open around the search: that took two
      // pool connections per search and starved the pool under load.)
      const user = request.user!;
      const results = await deps.search.search(query, deps.audit.stamp({
        action: 'search',
        actorUserId: user.id,
        actorOrganisationId: user.organisationId,
        actorRole: user.role,
        basis: 'stated reason',
        reason: reasonDetail ? `${reason}: ${reasonDetail}` : reason,
        outcome: 'allowed',
        requestId: request.id,
      }));
      // The search goes with the results: its reason to view a child, its values to create a record.
      return reply.renderPage('search/views/results.njk', { results, search: body });
    },
  );
}
