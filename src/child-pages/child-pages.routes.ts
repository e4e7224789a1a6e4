import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { SignedInUser } from '../platform/http/request-context.js';
import { formatDate } from '../platform/time/calendar-date.js';
import { viewerForUser } from '../access/viewer.js';
import type { UsersService } from '../accounts/users.service.js';
import { PossibleDuplicateError, type ChildRecordView, type ChildRecordsService, type ShieldSummary } from '../child-records/child-records.service.js';
import { RECORD_TRIGGERS, SEXES } from '../children/child-identity.js';
import { describeRetention } from '../children/retention.js';
import { isUuid } from '../involvements/field-errors.js';
import { FLAG_LABELS } from '../involvements/involvement-codes.js';
import type { CouncilContact } from '../involvements/signpost.js';
import type { OrganisationsService } from '../organisations/organisations.service.js';
import { isSearchReason, SEARCH_REASONS } from '../search/search-reasons.js';
import {
  childRecordFromForm,
  CreateForm,
  dateFromParts,
  errorSummary,
  formErrorsFrom,
  reviewedMatchesFrom,
  StartForm,
  type CreateFormBody,
  type StartFormBody,
} from './child-form.js';
import { childName, formatNhsNumber, IDENTIFIER_LABELS, RECORD_TRIGGER_LABELS, SEX_LABELS } from './labels.js';

export interface ChildPagesDeps {
  childRecords: ChildRecordsService;
  organisations: OrganisationsService;
  users: UsersService;
}

const short = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
type IdParamsType = Static<typeof IdParams>;
const ReasonForm = Type.Object({ _csrf: short(200), reason: short(50), reasonDetail: short(2000) }, { additionalProperties: false });
type ReasonFormBody = Static<typeof ReasonForm>;
const ShieldForm = Type.Object(
  { _csrf: short(200), reason: short(2000), decidedBy: short(400), 'review-day': short(10), 'review-month': short(10), 'review-year': short(10) },
  { additionalProperties: false },
);
type ShieldFormBody = Static<typeof ShieldForm>;
const SealHolderForm = Type.Object({ _csrf: short(200), userId: short(100) }, { additionalProperties: false });
type SealHolderFormBody = Static<typeof SealHolderForm>;
const CsrfOnly = Type.Object({ _csrf: short(200) }, { additionalProperties: false });

const TRIGGER_ITEMS = RECORD_TRIGGERS.map((code) => ({ value: code, text: RECORD_TRIGGER_LABELS[code] }));
const SEX_ITEMS = SEXES.map((code) => ({ value: code, text: SEX_LABELS[code] }));

/** A child id from the address, or the standard 404: anything else is not a child's page. */
function childIdFrom(request: FastifyRequest<{ Params: IdParamsType }>): string {
  const { id } = request.params;
  if (!isUuid(id)) throw new NotFoundError('No child with this reference');
  return id.toLowerCase();
}

/** The stated reason as the audit records it, as the search does: "code: detail". */
function checkReason(body: { reason?: string | undefined; reasonDetail?: string | undefined }): { reason?: string; fieldErrors: Record<string, string> } {
  const fieldErrors: Record<string, string> = {};
  const code = body.reason ?? '';
  const detail = (body.reasonDetail ?? '').trim();
  if (!isSearchReason(code)) fieldErrors['reason'] = 'Select why you are looking at this child\'s record';
  else if (code === 'other' && !detail) fieldErrors['reasonDetail'] = 'Say why you are looking at this child\'s record';
  if (detail.length > 500) fieldErrors['reasonDetail'] = 'Reason must be 500 characters or fewer';
  if (Object.keys(fieldErrors).length > 0) return { fieldErrors };
  return { reason: detail ? `${code}: ${detail}` : code, fieldErrors };
}

/** How to reach a council, in one line: office hours, emergency duty, email. */
export function contactOf(council: Pick<CouncilContact, 'officeHoursPhone' | 'emergencyDutyPhone' | 'email'>): string {
  const parts = [`${council.officeHoursPhone ?? 'not recorded'} (office hours)`, `${council.emergencyDutyPhone ?? 'not recorded'} (out of hours, emergency duty)`];
  if (council.email) parts.push(council.email);
  return parts.join('; ');
}

const reasonErrors = (fieldErrors: Record<string, string>) => Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` }));

/**
 * The pages a practitioner uses about one child: the signpost view (who is working with the child,
 * reached from the search results with the search's reason, or from a reason page), creating a
 * record after a search, and the responsible council's shield pages. Access decisions and audit
 * entries are the child-records service's; these handlers only turn forms into calls and results
 * into GOV.UK pages.
 */
export function registerChildPages(app: FastifyInstance, deps: ChildPagesDeps): void {
  const councils = () => deps.organisations.list({ kind: 'council', limit: 1000, offset: 0 });

  const renderReasonPage = (reply: FastifyReply, childId: string, values: Record<string, unknown>, fieldErrors: Record<string, string>) =>
    reply.renderPage('child-pages/views/reason.njk', { childId, reasons: SEARCH_REASONS, values, fieldErrors, errors: reasonErrors(fieldErrors) });

  // ---- The signpost view ---------------------------------------------------------------------

  app.get<{ Params: IdParamsType }>('/children/:id', { config: { access: 'user' }, schema: { params: IdParams, hide: true } }, async (request, reply) => {
    return renderReasonPage(reply, childIdFrom(request), {}, {});
  });

  app.post<{ Params: IdParamsType; Body: ReasonFormBody }>(
    '/children/:id/view',
    { config: { access: 'user', rateLimit: { max: 120, timeWindow: '1 minute' } }, schema: { params: IdParams, body: ReasonForm, hide: true } },
    async (request, reply) => {
      const childId = childIdFrom(request);
      const { reason, fieldErrors } = checkReason(request.body);
      if (!reason) return renderReasonPage(reply.code(400), childId, request.body, fieldErrors);
      const user = request.user!;
      const look = await deps.childRecords.lookAt(viewerForUser(user), childId, reason, request.id);
      if (look.kind === 'shielded') return reply.renderPage('child-pages/views/shielded.njk', shieldedPage(look.summary));
      return reply.renderPage('child-pages/views/signpost.njk', await signpostPage(look.record, user));
    },
  );

  /** Only what a shield allows (DOMAIN §4): name, sex, date of birth, reference, who to ask. */
  function shieldedPage(summary: ShieldSummary) {
    return {
      name: childName(summary),
      sex: SEX_LABELS[summary.sex],
      dateOfBirth: summary.dateOfBirth,
      childId: summary.childId,
      council: summary.council,
    };
  }

  async function signpostPage(record: ChildRecordView, user: SignedInUser) {
    const { child, signpost } = record;
    const { responsibleCouncil } = signpost;
    const inResponsibleCouncil = user.organisationId === child.responsibleCouncilId;
    let sealHolders: { id: string; display_name: string; email: string }[] = [];
    let colleagues: { id: string; displayName: string; email: string }[] = [];
    if (record.shield && inResponsibleCouncil) {
      sealHolders = await deps.childRecords.sealHolders(child.id);
      const holding = new Set(sealHolders.map((h) => h.id));
      colleagues = (await deps.users.listInOrganisation(child.responsibleCouncilId)).filter((u) => !holding.has(u.id));
    }
    return {
      contactOf,
      record,
      child,
      identity: child.identity,
      signpost,
      name: childName(child.identity),
      sex: SEX_LABELS[child.sex],
      nhsNumber: formatNhsNumber(child.identity.nhsNumber),
      responsibleCouncil,
      livesElsewhere: signpost.area.current.councilId !== responsibleCouncil.councilId ? signpost.area.current : null,
      openElsewhere: signpost.area.openInAnotherArea.map((o) => ({ ...o, flagLabels: o.flags.map((f) => FLAG_LABELS[f]) })),
      identifiers: record.identifiers.map((i) => ({ ...i, label: IDENTIFIER_LABELS[i.kind] })),
      triggerLabel: RECORD_TRIGGER_LABELS[child.recordTrigger],
      retention: describeRetention(record.retention, formatDate),
      shield: record.shield,
      inResponsibleCouncil,
      sealHolders,
      colleagues,
    };
  }

  // ---- Search before create ------------------------------------------------------------------

  app.get('/children/new', { config: { access: 'user' }, schema: { hide: true } }, async (_request, reply) => {
    // A record is made only after a search has shown it is not already there.
    return reply.redirect('/children/search');
  });

  /** From the results page: the create form, filled in from the search. */
  app.post<{ Body: StartFormBody }>('/children/new', { config: { access: 'user' }, schema: { body: StartForm, hide: true } }, async (request, reply) => {
    const body = request.body;
    const searched = (body.nhsNumber ?? '').trim() !== '' || ((body.familyName ?? '').trim() !== '' && (body['dob-year'] ?? '').trim() !== '');
    if (!searched) return reply.redirect('/children/search');
    const values: CreateFormBody = {
      reason: body.reason, reasonDetail: body.reasonDetail, nhsNumber: body.nhsNumber, givenNames: body.givenNames, familyName: body.familyName,
      'dob-day': body['dob-day'], 'dob-month': body['dob-month'], 'dob-year': body['dob-year'],
    };
    return reply.renderPage('child-pages/views/create.njk', await createPage(request.user!, values, {}));
  });

  async function createPage(user: SignedInUser, values: CreateFormBody, fieldErrors: Record<string, string>, matches: PossibleDuplicateError['candidates'] = []) {
    const all = await councils();
    const selected = values.responsibleCouncilCode ?? all.find((c) => c.id === user.organisationId)?.code ?? '';
    return {
      values,
      fieldErrors,
      errors: errorSummary(fieldErrors),
      councilItems: [{ value: '', text: 'Select a council' }, ...all.map((c) => ({ value: c.code, text: c.name, selected: c.code === selected }))],
      triggerItems: TRIGGER_ITEMS.map((i) => ({ ...i, checked: values.recordTrigger === i.value })),
      sexItems: SEX_ITEMS.map((i) => ({ ...i, checked: values.sex === i.value })),
      matches,
      matchIds: matches.map((m) => m.childId).join(','),
      canViewMatches: checkReason(values).reason !== undefined,
    };
  }

  /** The create form's submission: refused with field errors, held back by likely matches, or made. */
  app.post<{ Body: CreateFormBody }>(
    '/children',
    { config: { access: 'user', rateLimit: { max: 60, timeWindow: '1 minute' } }, schema: { body: CreateForm, hide: true } },
    async (request, reply) => {
      const body = request.body;
      const user = request.user!;
      const { input, formErrors } = childRecordFromForm(body);
      const reviewedMatches = reviewedMatchesFrom(body.reviewedMatches);
      const values: CreateFormBody = { ...body, reviewedMatches: undefined };
      let childId: string;
      try {
        // A date the form could not read reaches the validator as not-a-date, so nothing is written.
        ({ childId } = await deps.childRecords.create(viewerForUser(user), input, { reviewedMatches, requestId: request.id }));
      } catch (error) {
        if (error instanceof PossibleDuplicateError) {
          // The box was shown but not ticked: say so rather than showing the same matches again silently.
          const fieldErrors: Record<string, string> = body.matchesShown === 'yes'
            ? { reviewedMatches: 'Confirm you have checked these children are not the child you are recording, or view their records' }
            : {};
          return reply.code(409).renderPage('child-pages/views/create.njk', await createPage(user, values, fieldErrors, error.candidates));
        }
        if (!(error instanceof ValidationError)) throw error;
        // The form's own date errors first, then the service's, each on its input.
        const fieldErrors = { ...formErrorsFrom(error.fields, input.unborn === true), ...formErrors };
        return reply.code(400).renderPage('child-pages/views/create.njk', await createPage(user, values, fieldErrors));
      }
      const name = childName({ givenNames: (input.givenNames ?? '').trim() || null, familyName: (input.familyName ?? '').trim() });
      return reply.code(201).renderPage('child-pages/views/created.njk', { childId, name });
    },
  );

  // ---- Shielding (the responsible council) ---------------------------------------------------

  app.get<{ Params: IdParamsType }>('/children/:id/shield', { config: { access: 'user' }, schema: { params: IdParams, hide: true } }, async (request, reply) => {
    return reply.renderPage('child-pages/views/shield.njk', { childId: childIdFrom(request), values: {}, fieldErrors: {}, errors: [] });
  });

  app.post<{ Params: IdParamsType; Body: ShieldFormBody }>(
    '/children/:id/shield',
    { config: { access: 'user' }, schema: { params: IdParams, body: ShieldForm, hide: true } },
    async (request, reply) => {
      const childId = childIdFrom(request);
      const body = request.body;
      const review = dateFromParts('The review date', body['review-day'], body['review-month'], body['review-year']);
      try {
        await deps.childRecords.shield(viewerForUser(request.user!), childId, {
          reason: body.reason ?? '',
          decidedBy: body.decidedBy ?? '',
          reviewOn: review.date ?? (review.error ? 'not-a-date' : ''),
        }, request.id);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const fieldErrors: Record<string, string> = {};
        for (const [field, text] of Object.entries(error.fields)) {
          fieldErrors[field] = field === 'reviewOn' && !review.date && !review.error ? 'Enter the date the shield will be reviewed' : text;
        }
        if (review.error) fieldErrors['reviewOn'] = review.error;
        return reply.code(400).renderPage('child-pages/views/shield.njk', { childId, values: body, fieldErrors, errors: errorSummary(fieldErrors) });
      }
      return reply.renderPage('child-pages/views/shield-done.njk', { childId, title: 'Record shielded', body: 'Users outside your council now see only the child\'s name, sex, date of birth, reference and how to contact your council. You are named as a seal-holder.' });
    },
  );

  app.post<{ Params: IdParamsType; Body: Static<typeof CsrfOnly> }>(
    '/children/:id/shield/remove',
    { config: { access: 'user' }, schema: { params: IdParams, body: CsrfOnly, hide: true } },
    async (request, reply) => {
      const childId = childIdFrom(request);
      await deps.childRecords.removeShield(viewerForUser(request.user!), childId, request.id);
      return reply.renderPage('child-pages/views/shield-done.njk', { childId, title: 'Shield removed', body: 'Practitioners who state a reason can now see who is working with this child.' });
    },
  );

  app.post<{ Params: IdParamsType; Body: SealHolderFormBody }>(
    '/children/:id/seal-holders',
    { config: { access: 'user' }, schema: { params: IdParams, body: SealHolderForm, hide: true } },
    async (request, reply) => {
      const childId = childIdFrom(request);
      await deps.childRecords.addSealHolder(viewerForUser(request.user!), childId, request.body.userId ?? '', request.id);
      return reply.renderPage('child-pages/views/shield-done.njk', { childId, title: 'Seal-holder named', body: 'They can now see this child\'s whole record when they state a reason.' });
    },
  );
}
