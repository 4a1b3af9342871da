import { maskPhoneNumber } from '@honnin/otp';
import { TenantPolicy } from '@honnin/policy';
import { AuditEventEntity } from '@honnin/persistence';
import { SignedIn, SmsChallengeView, SmsPrefixHoldView, SmsProviderView, Viewer } from '@honnin/identity';
import { AuditEventObject } from '../graphql/admin.object';
import { AuthPayloadObject, SessionObject, UserObject } from '../graphql/auth.object';
import { AalLevel, ChallengePurposeKind, ChallengeStatusKind, DeliveryStatusKind, NextStepKind, SmsProviderKind } from '../graphql/enums';
import { SmsPrefixHoldObject } from '../graphql/sms-pumping.object';
import { SmsChallengeObject, SmsProviderConfigObject } from '../graphql/sms.object';
import { TenantPolicyObject } from '../graphql/tenant-policy.object';

// Domain results → GraphQL objects. Only fields declared on the objects ever leave.

export function presentUser(user: { id: string; loginId: string; phoneE164: string | null }): UserObject {
  return { id: user.id, loginId: user.loginId, maskedPhoneNumber: user.phoneE164 ? maskPhoneNumber(user.phoneE164) : null };
}

export function presentSession(viewer: Pick<Viewer, 'session' | 'aal' | 'expiresAt'>): SessionObject {
  return {
    id: viewer.session.id,
    aal: viewer.aal as AalLevel,
    amr: viewer.session.amr,
    authenticatedAt: viewer.session.authenticatedAt,
    aal2VerifiedAt: viewer.session.aal2VerifiedAt,
    expiresAt: viewer.expiresAt,
  };
}

export function presentSignedIn(signedIn: SignedIn): AuthPayloadObject {
  return {
    sessionToken: signedIn.token,
    session: presentSession(signedIn),
    user: presentUser(signedIn.user),
    nextStep: signedIn.nextStep as NextStepKind,
    smsChallenge: signedIn.smsChallenge ? presentChallenge(signedIn.smsChallenge) : null,
  };
}

export function presentChallenge(challenge: SmsChallengeView): SmsChallengeObject {
  return {
    ...challenge,
    purpose: challenge.purpose as ChallengePurposeKind,
    status: challenge.status as ChallengeStatusKind,
    deliveryStatus: challenge.deliveryStatus as DeliveryStatusKind,
  };
}

export function presentSmsProvider(provider: SmsProviderView): SmsProviderConfigObject {
  return { ...provider, type: provider.type as SmsProviderKind };
}

export function presentPolicy(version: number, policy: TenantPolicy): TenantPolicyObject {
  return {
    version,
    ...policy,
    actions: policy.actions.map((a) => ({ ...a, aal: a.aal as AalLevel })),
    defaultAal: policy.defaultAal as AalLevel,
    loginRequiresAal: policy.loginRequiresAal as AalLevel,
    phone: {
      ...policy.phone,
      allowedCountries: [...policy.phone.allowedCountries],
      blockedPrefixes: [...policy.phone.blockedPrefixes],
      allowedHighRiskPrefixes: [...policy.phone.allowedHighRiskPrefixes],
    },
    messages: { ...policy.messages, templates: policy.messages.templates.map((t) => ({ ...t })) },
  };
}

export function presentSmsPrefixHold(hold: SmsPrefixHoldView): SmsPrefixHoldObject {
  return { prefix: hold.prefix, heldAt: hold.heldAt, expiresAt: hold.heldUntil, count: hold.count, threshold: hold.threshold, liftedAt: hold.liftedAt };
}

export function presentAuditEvent(event: AuditEventEntity): AuditEventObject {
  return { ...event, details: JSON.stringify(event.details) };
}

