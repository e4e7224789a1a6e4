import type { ColumnType, Generated } from 'kysely';

/** A `date` column: PostgreSQL dates are read as "YYYY-MM-DD" strings, never as JS Dates. */
type DateColumn = string;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface OrganisationsTable {
  id: Generated<string>;
  code: string;
  kind: 'council' | 'police' | 'nhs_trust' | 'gp_practice' | 'school' | 'voluntary' | 'national';
  name: string;
  council_id: string | null;
  office_hours_phone: string | null;
  emergency_duty_phone: string | null;
  email: string | null;
  urn: string | null;
  ods_code: string | null;
  created_at: CreatedAt;
}

export interface PractitionersTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  role: string;
  team: string | null;
  phone: string | null;
  email: string | null;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  organisation_id: string;
  practitioner_id: string | null;
  email: string;
  display_name: string;
  role: string;
  password_hash: string;
  totp_secret: Buffer | null;
  totp_enrolled_at: Timestamp | null;
  totp_last_step: ColumnType<number, number | undefined, number>;
  dbs_checked_on: DateColumn;
  training_completed_on: DateColumn;
  agreement_signed_on: DateColumn;
  failed_signins: ColumnType<number, number | undefined, number>;
  locked_until: Timestamp | null;
  disabled_at: Timestamp | null;
  last_signed_in_at: Timestamp | null;
  reinstated_at: Timestamp | null;
  created_at: CreatedAt;
  /** Single sign-on identity (Entra `tid` + `oid`): both or neither, unique together. */
  oidc_tenant_id: string | null;
  oidc_object_id: string | null;
}

/** A single sign-on in progress, keyed by the hash of a value in the browser's cookie; used once. */
export interface OidcSignInAttemptsTable {
  browser_key_hash: Buffer;
  state: string;
  nonce: string;
  code_verifier: string;
  created_at: Timestamp;
}

export interface SessionsTable {
  id_hash: Buffer;
  user_id: string;
  stage: 'mfa_enrolment' | 'mfa_challenge' | 'active';
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  ended_at: Timestamp | null;
  /** A WebAuthn ceremony in progress: its challenge, what it is for and until when; used once. */
  webauthn_challenge: string | null;
  webauthn_purpose: 'registration' | 'authentication' | null;
  webauthn_expires_at: Timestamp | null;
}

/** A security key or platform authenticator registered as a second factor (WebAuthn). */
export interface WebauthnCredentialsTable {
  id: Generated<string>;
  user_id: string;
  /** The authenticator's credential id, base64url. */
  credential_id: string;
  /** COSE-encoded public key. */
  public_key: Buffer;
  /** bigint: pg returns it as a string; the repository converts. */
  counter: ColumnType<string, number, number>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  nickname: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface ApiClientsTable {
  id: Generated<string>;
  client_id: string;
  secret_hash: Buffer;
  organisation_id: string;
  name: string;
  created_at: CreatedAt;
  disabled_at: Timestamp | null;
  source_systems: ColumnType<string[], string[] | undefined, string[]>;
}

export interface ApiTokensTable {
  token_hash: Buffer;
  api_client_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** The database as Kysely sees it. Only repositories and migrations use these types. */
export interface Database {
  organisations: OrganisationsTable;
  practitioners: PractitionersTable;
  users: UsersTable;
  sessions: SessionsTable;
  webauthn_credentials: WebauthnCredentialsTable;
  api_clients: ApiClientsTable;
  api_tokens: ApiTokensTable;
  children: ChildrenTable;
  child_keys: ChildKeysTable;
  child_blind_index: ChildBlindIndexTable;
  search_key_backfill: SearchKeyBackfillTable;
  child_identifiers: ChildIdentifiersTable;
  child_shields: ChildShieldsTable;
  child_seal_holders: ChildSealHoldersTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  involvements: InvolvementsTable;
  child_flags: ChildFlagsTable;
  area_history: AreaHistoryTable;
  import_runs: ImportRunsTable;
  import_rejections: ImportRejectionsTable;
  audit_entries: AuditEntriesTable;
  audit_leaves: AuditLeavesTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_sealer_state: AuditSealerStateTable;
  access_alerts: AccessAlertsTable;
  access_alert_entries: AccessAlertEntriesTable;
  oversight_state: OversightStateTable;
  oidc_sign_in_attempts: OidcSignInAttemptsTable;
  break_glass_grants: BreakGlassGrantsTable;
  access_reviews: AccessReviewsTable;
}

/** A council administrator's periodic confirmation that an account still needs access (src/administration). */
export interface AccessReviewsTable {
  id: Generated<number>;
  user_id: string;
  reviewed_by: string;
  outcome: 'access_still_needed' | 'access_removed';
  reviewed_at: Timestamp;
}

/** A child known to services. Identifying columns hold AES-256-GCM ciphertexts (see src/children). */
export interface ChildrenTable {
  id: string;
  responsible_council_id: string;
  record_trigger:
    | 'contact_referral_accepted' | 'early_help' | 'child_in_need' | 's47_enquiry' | 'child_protection_plan'
    | 'looked_after' | 'care_leaver' | 'unborn_child_protection_plan' | 'operation_encompass';
  trigger_date: DateColumn;
  sex: 'male' | 'female' | 'unknown' | 'indeterminate';
  unborn: ColumnType<boolean, boolean | undefined, boolean>;
  shielded: ColumnType<boolean, boolean | undefined, boolean>;
  given_names: Buffer | null;
  family_name: Buffer;
  former_family_names: Buffer | null;
  date_of_birth: Buffer;
  address: Buffer;
  nhs_number: Buffer | null;
  previous_addresses: Buffer | null;
  parents_carers: Buffer | null;
  legal_hold_reason: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** UPN, council child id, police reference or source-system id; found by keyed hash, value sealed. */
export interface ChildIdentifiersTable {
  id: Generated<string>;
  child_id: string;
  kind: 'upn' | 'council_child_id' | 'police_reference' | 'source_system';
  issuer: string;
  lookup: Buffer;
  value: Buffer;
  valid_from: DateColumn | null;
  valid_to: DateColumn | null;
  /** A source-system id's: the keyed digest of the record it last sent (BlindIndexer.sourceRecordDigest). */
  record_digest: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  /** A source id that came to this child by a link or merge, not by creating it: its changes do not overwrite the identity. */
  linked: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

/** A council's decision to shield a child (DOMAIN §4); the reason is sealed under the child's key. */
export interface ChildShieldsTable {
  child_id: string;
  council_id: string;
  reason: Buffer;
  decided_by: string;
  decided_on: DateColumn;
  review_on: DateColumn;
  set_by_user_id: string | null;
  created_at: CreatedAt;
}

/** Users named by the council as allowed to see a shielded child's full record. */
export interface ChildSealHoldersTable {
  child_id: string;
  user_id: string;
  granted_by_user_id: string | null;
  created_at: CreatedAt;
}

/** A child's data key, wrapped under the key-encryption key. Deleting the row crypto-shreds the child. */
export interface ChildKeysTable {
  child_id: string;
  key_version: number;
  wrapped_key: Buffer;
  /** The wrapping key version `wrapped_key` is sealed under (`signpost keys rotate` moves it up). */
  wrap_version: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

/** Keyed blind indexes (truncated HMACs of normalised identity values) for search and matching. */
export interface ChildBlindIndexTable {
  child_id: string;
  kind: string;
  value: Buffer;
}

/** Children stored before the date-part search keys existed, waiting for theirs (search-key-backfill.ts). */
export interface SearchKeyBackfillTable {
  child_id: string;
}

export interface AuditEntriesTable {
  id: Generated<number>;
  entry_xid: Generated<string>;
  occurred_at: ColumnType<Date, Date, never>;
  actor_user_id: string | null;
  actor_api_client: string | null;
  actor_organisation_id: string | null;
  actor_role: string | null;
  action: string;
  child_id: string | null;
  basis: string | null;
  reason: string | null;
  outcome: 'allowed' | 'refused' | 'failed';
  request_id: string | null;
  salt: Buffer;
}

export interface AuditLeavesTable {
  leaf_index: number;
  entry_id: number;
  leaf_hash: Buffer;
}

export interface AuditCheckpointsTable {
  tree_size: number;
  root_hash: Buffer;
  frontier: Buffer[];
  xid_horizon: string;
  signed_note: string;
  created_at: ColumnType<Date, Date, never>;
}

/** Where the audit sealer stopped: the snapshot sealed up to, one row per checkpoint (text form). */
export interface AuditSealerStateTable {
  tree_size: number;
  sealed_snapshot: string;
}

/** An alert raised by an anomaly rule over the audit (see src/oversight); worked by IG officers. */
export interface AccessAlertsTable {
  id: Generated<number>;
  rule: string;
  subject_user_id: string | null;
  subject_api_client: string | null;
  subject_key: ColumnType<string, never, never>;
  organisation_id: string | null;
  council_id: string | null;
  child_id: string | null;
  window_key: string;
  window_start: Timestamp;
  window_end: Timestamp;
  raised_at: ColumnType<Date, Date, never>;
  summary: string;
  /** How many audit entries it holds (access_alert_entries). */
  entry_count: number;
  status: ColumnType<'open' | 'appropriate' | 'inappropriate' | 'escalated', 'open' | undefined, 'appropriate' | 'inappropriate' | 'escalated'>;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  review_note: string | null;
}

/** The audit entries behind an alert, one row each. */
export interface AccessAlertEntriesTable {
  alert_id: number;
  audit_entry_id: ColumnType<number, number, never>;
}

/** How far the oversight scan has read the audit tree: leaves below `next_leaf_index`. */
export interface OversightStateTable {
  id: ColumnType<boolean, never, never>;
  next_leaf_index: number;
  last_entry_id: number | null;
  scanned_at: Timestamp | null;
}

/** Who is involved with a child (see src/involvements). Periods are half-open: [started_on, ended_on). */
export interface InvolvementsTable {
  id: Generated<string>;
  child_id: string;
  organisation_id: string;
  practitioner_id: string | null;
  service: string;
  role: string;
  is_lead_professional: ColumnType<boolean, boolean | undefined, boolean>;
  contact_route: string | null;
  started_on: DateColumn;
  ended_on: DateColumn | null;
  end_reason: string | null;
  holds_early_help_assessment: ColumnType<boolean, boolean | undefined, boolean>;
  sensitive_service: string | null;
  sensitive_basis: string | null;
  source_system: string | null;
  source_id: string | null;
  created_at: CreatedAt;
}

/** A child's status flags (CP plan, looked after, …) with the responsible council. */
export interface ChildFlagsTable {
  id: Generated<string>;
  child_id: string;
  kind: string;
  responsible_council_id: string;
  started_on: DateColumn;
  ended_on: DateColumn | null;
  source_system: string | null;
  source_id: string | null;
  created_at: CreatedAt;
}

/** Which councils have held a child and when; the open row (no to_date) is the current area. */
export interface AreaHistoryTable {
  id: Generated<string>;
  child_id: string;
  council_id: string;
  from_date: DateColumn;
  to_date: DateColumn | null;
  reason: string | null;
  created_at: CreatedAt;
}

/** One bulk feed import: a file from a source system, resumable from `rows_done` (see src/imports). */
export interface ImportRunsTable {
  id: Generated<string>;
  source_system: string;
  file_sha256: Buffer;
  file_name: string;
  organisation_id: string;
  created_by: 'user' | 'cli';
  created_by_user_id: string | null;
  status: ColumnType<'running' | 'completed' | 'failed', 'running' | 'completed' | 'failed' | undefined, 'running' | 'completed' | 'failed'>;
  failure: string | null;
  total_rows: number;
  rows_done: ColumnType<number, number | undefined, number>;
  created_count: ColumnType<number, number | undefined, number>;
  updated_count: ColumnType<number, number | undefined, number>;
  unchanged_count: ColumnType<number, number | undefined, number>;
  rejected_count: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  finished_at: Timestamp | null;
}

/** A rejected row of an import: line, CSV column ('' for the whole row) and reason; never a value. */
export interface ImportRejectionsTable {
  run_id: string;
  line: number;
  field: string;
  reason: string;
}

/** In-app notifications to a user or a council's duty inbox; no child data beyond the reference. */
export interface NotificationsTable {
  id: Generated<number>;
  recipient_user_id: string | null;
  recipient_council_id: string | null;
  kind: 'flagged_child_viewed' | 'break_glass_used' | 'shield_followed';
  child_id: string | null;
  actor_user_id: string | null;
  actor_organisation_id: string | null;
  actor_api_client: string | null;
  actor_role: string | null;
  reason: string | null;
  created_at: CreatedAt;
}

export interface NotificationReadsTable {
  notification_id: number;
  user_id: string;
  read_at: CreatedAt;
}

/** A time-limited emergency grant of the case view to one user for one child (src/break-glass). */
export interface BreakGlassGrantsTable {
  id: Generated<string>;
  user_id: string;
  child_id: string;
  reason_code: string;
  reason_text: string;
  granted_at: Timestamp;
  expires_at: Timestamp;
  /** The oversight alert raised with it; its review there is the grant's review. */
  alert_id: number | null;
  review_status: ColumnType<'open' | 'appropriate' | 'inappropriate' | 'escalated', 'open' | undefined, 'appropriate' | 'inappropriate' | 'escalated'>;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  review_note: string | null;
}
