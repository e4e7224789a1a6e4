import type { FastifyInstance, FastifyReply } from 'fastify';
import { ValidationError } from '../platform/http/errors.js';
import type { SignedInUser } from '../platform/http/request-context.js';
import { dateFrom, fieldText } from '../oversight/oversight.forms.js';
import { ROLE_OPTIONS, roleLabel, type AccountChange, type AdministrationService, type AdminViewer, type NewAccountForm } from './administration.service.js';

/**
 * Account administration and the access review for council administrators. No request schemas on
 * purpose (as in src/oversight): a schema would answer bad input with 400 before the access check,
 * telling someone who may not use these pages that they exist. The service decides first
 * (`mayAdminister`); everyone else gets "Page not found".
 */

const DATE_FIELDS = [
  { field: 'dbs', label: 'Date of the enhanced DBS check', key: 'dbsCheckedOn' },
  { field: 'training', label: 'Date the training was completed', key: 'trainingCompletedOn' },
  { field: 'agreement', label: 'Date the user agreement was signed', key: 'agreementSignedOn' },
] as const;

const DONE_WORDS: Record<string, string> = {
  role: 'Role changed.', vetting: 'Vetting dates recorded.', disable: 'Account disabled. The person has been signed out.',
  reinstate: 'Account reinstated. The person can sign in again.', 'reset-mfa': 'Security codes reset. The person sets up an authenticator app at their next sign-in.',
};

const viewerOf = (user: SignedInUser): AdminViewer => ({ id: user.id, role: user.role, organisationId: user.organisationId });

const errorList = (fieldErrors: Record<string, string>) =>
  Object.entries(fieldErrors).map(([field, text]) => ({
    text, href: `#${DATE_FIELDS.some((d) => d.field === field) ? `${field}-day` : field}`,
  }));

/** The three GOV.UK date boxes of each date field, as typed, and the dates or field errors. */
function readDates(body: unknown, required: boolean) {
  const values: Record<string, string> = {};
  const dates: Partial<Record<(typeof DATE_FIELDS)[number]['key'], string>> = {};
  const fieldErrors: Record<string, string> = {};
  for (const { field, label, key } of DATE_FIELDS) {
    const [day, month, year] = ['day', 'month', 'year'].map((part) => fieldText(body, `${field}-${part}`)) as [string, string, string];
    Object.assign(values, { [`${field}Day`]: day, [`${field}Month`]: month, [`${field}Year`]: year });
    const parsed = dateFrom(day, month, year, label);
    if (parsed.error) fieldErrors[field] = parsed.error;
    else if (parsed.date) dates[key] = parsed.date;
    else if (required) fieldErrors[field] = `Enter the ${label.charAt(0).toLowerCase()}${label.slice(1)}`;
  }
  return { values, dates, fieldErrors };
}

export function registerAdministrationRoutes(app: FastifyInstance, deps: { administration: AdministrationService }): void {
  const { administration } = deps;

  app.get('/admin/users', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const accounts = await administration.listAccounts(viewerOf(request.user!));
    return reply.renderPage('administration/views/users.njk', { accounts });
  });

  const newAccountPage = async (reply: FastifyReply, viewer: AdminViewer, values: Record<string, string>, fieldErrors: Record<string, string>) => {
    const organisations = await administration.organisations(viewer);
    return reply.renderPage('administration/views/new-user.njk', {
      organisations: [{ value: '', text: 'Choose an organisation' }, ...organisations.map((o) => ({ value: o.id, text: o.name, selected: o.id === values.organisation }))],
      roles: ROLE_OPTIONS.map((r) => ({ ...r, checked: r.value === values.role })),
      values, fieldErrors, errors: errorList(fieldErrors),
    });
  };

  app.get('/admin/users/new', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    return newAccountPage(reply, viewerOf(request.user!), {}, {});
  });

  app.post('/admin/users/new', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request.user!);
    await administration.administrator(viewer);
    const body = request.body;
    const { values: dateValues, dates, fieldErrors } = readDates(body, true);
    const values = { organisation: fieldText(body, 'organisation'), role: fieldText(body, 'role'), name: fieldText(body, 'name'), email: fieldText(body, 'email'), ...dateValues };
    const form: NewAccountForm = {
      organisationId: values.organisation, role: values.role, displayName: values.name, email: values.email,
      dbsCheckedOn: dates.dbsCheckedOn ?? '', trainingCompletedOn: dates.trainingCompletedOn ?? '', agreementSignedOn: dates.agreementSignedOn ?? '',
    };
    try {
      const { id, temporaryPassword } = await administration.add(viewer, form, fieldErrors, request.id);
      // The temporary password is on this page only: never cached, never shown again.
      return await reply.header('cache-control', 'no-store').renderPage('administration/views/user-added.njk', {
        id, name: form.displayName, email: form.email, roleText: roleLabel(form.role), temporaryPassword,
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reply.code(400);
      return newAccountPage(reply, viewer, values, { ...error.fields });
    }
  });

  const accountPage = async (reply: FastifyReply, viewer: AdminViewer, userId: string, extra: { done?: string; values?: Record<string, string>; fieldErrors?: Record<string, string> }) => {
    const account = await administration.account(viewer, userId);
    const fieldErrors = extra.fieldErrors ?? {};
    return reply.renderPage('administration/views/user.njk', {
      account,
      roles: ROLE_OPTIONS.map((r) => ({ ...r, checked: r.value === (extra.values?.role ?? account.role) })),
      done: extra.done ? DONE_WORDS[extra.done] : undefined,
      values: extra.values ?? {}, fieldErrors, errors: errorList(fieldErrors),
    });
  };

  app.get('/admin/users/:id', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    return accountPage(reply, viewerOf(request.user!), fieldText(request.params, 'id'), { done: fieldText(request.query, 'done') });
  });

  app.post('/admin/users/:id', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request.user!);
    const userId = fieldText(request.params, 'id');
    // Not found before anything else for accounts the viewer does not administer.
    await administration.account(viewer, userId);
    const body = request.body;
    const action = fieldText(body, 'action');
    const read = readDates(body, false);
    const values = { role: fieldText(body, 'role'), ...read.values };
    let change: AccountChange;
    try {
      switch (action) {
        case 'role':
          change = { kind: 'role', role: values.role };
          break;
        case 'vetting':
          if (Object.keys(read.fieldErrors).length > 0) throw new ValidationError('The dates are not valid', read.fieldErrors);
          change = { kind: 'vetting', ...read.dates };
          break;
        case 'disable': case 'reinstate': case 'reset-mfa':
          change = { kind: action };
          break;
        default:
          throw new ValidationError('Choose what to change', { action: 'Choose what to change' });
      }
      await administration.change(viewer, userId, change, request.id);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reply.code(400);
      return accountPage(reply, viewer, userId, { values, fieldErrors: { ...error.fields } });
    }
    // Post/redirect/get: a refresh does not post the change again.
    return reply.redirect(`/admin/users/${userId}?done=${action}`, 303);
  });

  const reviewPage = async (reply: FastifyReply, viewer: AdminViewer, extra: { reviewed?: boolean; fieldErrors?: Record<string, string> }) => {
    const accounts = await administration.accessReview(viewer);
    const fieldErrors = extra.fieldErrors ?? {};
    return reply.renderPage('administration/views/access-review.njk', {
      accounts, reviewed: extra.reviewed ?? false, dueCount: accounts.filter((a) => a.reviewDue && a.status !== 'disabled').length,
      fieldErrors, errors: Object.values(fieldErrors).map((text) => ({ text })),
    });
  };

  app.get('/admin/access-review', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    return reviewPage(reply, viewerOf(request.user!), { reviewed: fieldText(request.query, 'reviewed') === '1' });
  });

  app.post('/admin/access-review/:userId', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request.user!);
    const userId = fieldText(request.params, 'userId');
    try {
      await administration.confirmReview(viewer, userId, fieldText(request.body, 'outcome'), request.id);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reply.code(400);
      return reviewPage(reply, viewer, { fieldErrors: { ...error.fields } });
    }
    return reply.redirect(`/admin/access-review?reviewed=1#account-${userId}`, 303);
  });
}
