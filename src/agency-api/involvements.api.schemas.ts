import { Type, type Static } from '@sinclair/typebox';
import { END_REASONS, FLAG_KINDS, INVOLVEMENT_ROLES, SENSITIVE_BASES, SENSITIVE_SERVICES } from '../involvements/involvement-codes.js';

/**
 * Involvements, flags and moves as source systems send them. Codes are checked by the services
 * (so one 400 names every field); the allowed values are listed in each description.
 */

const childReference = {
  childId: Type.Optional(Type.String({ maxLength: 100, description: 'Signpost\'s id for the child; or send childSourceId' })),
  childSourceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The id this same system sent the child with (PUT /api/v1/sources/{system}/children/{sourceId}); or send childId' })),
};

const date = (description: string) => Type.String({ maxLength: 20, description: `${description} (YYYY-MM-DD)` });

export const InvolvementBody = Type.Object(
  {
    ...childReference,
    organisationCode: Type.String({ minLength: 1, maxLength: 50, description: 'The agency working with the child, from GET /api/v1/organisations' }),
    practitioner: Type.Optional(Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200 }),
        phone: Type.Optional(Type.String({ maxLength: 40 })),
        email: Type.Optional(Type.String({ maxLength: 200 })),
      },
      { additionalProperties: false, description: 'The named practitioner, if there is one; leave out for a team or clinic' },
    )),
    service: Type.String({ maxLength: 300, description: 'The service within the agency, e.g. "Children\'s social care – Assessment team" (200 characters or fewer)' }),
    role: Type.String({ maxLength: 60, description: `One of: ${INVOLVEMENT_ROLES.join(', ')}` }),
    isLeadProfessional: Type.Optional(Type.Boolean({ description: 'A child has one open lead professional at a time' })),
    contactRoute: Type.Optional(Type.String({ maxLength: 300, description: 'How other practitioners reach this one: a phone number, email or duty line (200 characters or fewer)' })),
    startedOn: date('When the involvement started'),
    holdsEarlyHelpAssessment: Type.Optional(Type.Boolean()),
    sensitiveService: Type.Optional(Type.String({ maxLength: 40, description: `For ${SENSITIVE_SERVICES.join(', ')} services: hidden from the signpost unless sensitiveBasis is set` })),
    sensitiveBasis: Type.Optional(Type.String({ maxLength: 40, description: `One of: ${SENSITIVE_BASES.join(', ')}` })),
  },
  { additionalProperties: false },
);
export type InvolvementBody = Static<typeof InvolvementBody>;

export const EndInvolvementBody = Type.Object(
  {
    endedOn: date('The day the involvement ended'),
    endReason: Type.String({ maxLength: 20, description: `A DfE worker-change code: ${END_REASONS.join(', ')}` }),
  },
  { additionalProperties: false },
);
export type EndInvolvementBody = Static<typeof EndInvolvementBody>;

export const FlagBody = Type.Object(
  {
    ...childReference,
    kind: Type.String({ maxLength: 60, description: `One of: ${FLAG_KINDS.join(', ')}` }),
    councilCode: Type.String({ minLength: 1, maxLength: 50, description: 'The council responsible for the flag' }),
    startedOn: date('When the flag started'),
  },
  { additionalProperties: false },
);
export type FlagBody = Static<typeof FlagBody>;

export const EndFlagBody = Type.Object({ endedOn: date('The day the flag ended') }, { additionalProperties: false });
export type EndFlagBody = Static<typeof EndFlagBody>;

export const MoveBody = Type.Object(
  {
    councilCode: Type.String({ minLength: 1, maxLength: 50, description: 'The council whose area the child now lives in' }),
    movedOn: date('The first day in the new area'),
    reason: Type.Optional(Type.String({ maxLength: 300, description: 'Why, in a few words: "family moved", "placed out of area" (200 characters or fewer)' })),
  },
  { additionalProperties: false },
);
export type MoveBody = Static<typeof MoveBody>;

const uuid = Type.String({ format: 'uuid' });

export const InvolvementResult = Type.Object({
  involvementId: uuid,
  childId: uuid,
  created: Type.Boolean({ description: 'False when this source id was already recorded: nothing changed' }),
});
export const EndInvolvementResult = Type.Object({
  involvementId: uuid,
  childId: uuid,
  changed: Type.Boolean({ description: 'False when it had already ended on this date' }),
});
export const FlagResult = Type.Object({
  flagId: uuid,
  childId: uuid,
  created: Type.Boolean({ description: 'False when this flag was already held: nothing changed' }),
});
export const EndFlagResult = Type.Object({
  flagId: uuid,
  childId: uuid,
  changed: Type.Boolean({ description: 'False when it had already ended on this date' }),
});
export const MoveResult = Type.Object({
  areaId: uuid,
  childId: uuid,
  created: Type.Boolean({ description: 'False when this same move was already recorded' }),
});
