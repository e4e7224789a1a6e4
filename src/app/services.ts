import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { SessionsService } from '../accounts/sessions.service.js';
import { SignInService } from '../accounts/sign-in.service.js';
import { UsersService } from '../accounts/users.service.js';
import { WebAuthnCeremonies } from '../accounts/webauthn.js';
import { SecurityKeysService } from '../accounts/security-keys.service.js';
import { OidcSignInService } from '../accounts/oidc/oidc-sign-in.service.js';
import { ApiClientsService } from '../api-clients/api-clients.service.js';
import { OrganisationsService } from '../organisations/organisations.service.js';
import { AuditService } from '../audit/audit.service.js';
import { ChildSearchService } from '../search/child-search.service.js';
import { ChildrenService } from '../children/children.service.js';
import { ChildRecordsService } from '../child-records/child-records.service.js';
import { InvolvementsService } from '../involvements/involvements.service.js';
import { FlagsService } from '../involvements/flags.service.js';
import { AreaHistoryService } from '../involvements/area-history.service.js';
import { AgencyApiService } from '../agency-api/agency-api.service.js';
import { FeedImportService } from '../imports/feed-import.service.js';
import { WhoLookedService } from '../transparency/who-looked.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { SubjectAccessService } from '../transparency/subject-access.service.js';
import { OversightService } from '../oversight/oversight.service.js';
import { CaseViewService } from '../case-view/case-view.service.js';
import { BreakGlassService } from '../break-glass/break-glass.service.js';
import { AdministrationService } from '../administration/administration.service.js';
import { MatchReviewService } from '../match-review/match-review.service.js';
import { OnlineMatcher } from '../matching/online-match.js';
import { childScorer } from '../matching/child-model.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  clock: Clock;
  keys: Keyring;
}

/** Every service, wired by hand in one place; the app and the CLI both use this. */
export function createServices(deps: ServiceDeps) {
  const { config, db, clock, keys } = deps;
  const audit = new AuditService({ db, keys, clock });
  const sessions = new SessionsService({ db, clock, config });
  const webauthn = new WebAuthnCeremonies({ db, clock, config: config.webauthn });
  const signIn = new SignInService({ db, clock, config, keys, audit, webauthn });
  const securityKeys = new SecurityKeysService({ db, clock, audit, webauthn });
  const users = new UsersService({ db, clock, config, signIn, sessions });
  // Single sign-on exists only when an identity provider is configured.
  const oidcSignIn = config.oidc ? new OidcSignInService({ db, clock, oidc: config.oidc, audit, signIn }) : null;
  const apiClients = new ApiClientsService({ db, clock, config });
  const organisations = new OrganisationsService({ db });
  const childSearch = new ChildSearchService({ db, keys });
  const children = new ChildrenService({ db, keys });
  const notifications = new NotificationsService({ db, clock });
  const matcher = new OnlineMatcher({ children, scorer: childScorer() });
  const childRecords = new ChildRecordsService({ db, clock, children, search: childSearch, audit, notifications, matcher, retentionMonths: config.retentionMonths });
  const matchReview = new MatchReviewService({ db, clock, audit, children });
  const involvements = new InvolvementsService({ db });
  const flags = new FlagsService({ db });
  const areaHistory = new AreaHistoryService({ db });
  const agencyApi = new AgencyApiService({ db, audit, children, childSearch, involvements, flags, areaHistory });
  const imports = new FeedImportService({ db, clock, childRecords, involvements, audit });
  const whoLooked = new WhoLookedService({ db, clock, audit });
  const subjectAccess = new SubjectAccessService({ db, clock, audit, children });
  const oversight = new OversightService({ db, clock, keys, audit });
  const caseView = new CaseViewService({ db, clock, audit, children });
  const breakGlass = new BreakGlassService({ db, clock, audit, notifications, signIn, hours: config.breakGlassHours });
  const administration = new AdministrationService({ db, clock, config, audit, users });
  return { securityKeys, caseView, breakGlass, notifications, oidcSignIn, audit, sessions, signIn, users, apiClients, organisations, childSearch, children, childRecords, involvements, flags, areaHistory, imports, whoLooked, subjectAccess, agencyApi, oversight, administration, matcher, matchReview };
}

export type Services = ReturnType<typeof createServices>;
