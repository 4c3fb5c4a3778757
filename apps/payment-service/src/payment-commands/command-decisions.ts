import { createHash } from 'node:crypto';
import { PaymentGatewayError, ProviderUnavailableError } from '../providers/payment-gateway';
import type { PaymentRecord } from '../payments/payment-fields';

/**
 * What payment-service does with each saga command, given the payment's row as it is now (pure; the
 * handlers in payment-commands.ts act on it). The saga resends a command under a NEW message id when
 * a reply is late, so the inbox cannot recognize a resend: the row can. Every command is answered
 * from the row when the row already says how it ended; the gateway is called only to move it.
 */

export const PROVIDER_UNAVAILABLE = 'payment provider unavailable';
export const PAYMENT_CANCELLED = 'payment was cancelled';

type Row = Pick<PaymentRecord, 'status' | 'failureReason'> | null;

export type AuthorizeDecision = { action: 'authorize' } | { action: 'reply-authorized' } | { action: 'reply-failed'; reason: string };

export function decideAuthorize(payment: Row): AuthorizeDecision {
  if (!payment) return { action: 'authorize' };
  switch (payment.status) {
    case 'AUTHORIZED':
    case 'CAPTURED':
      return { action: 'reply-authorized' };
    case 'FAILED':
      return { action: 'reply-failed', reason: payment.failureReason ?? 'payment authorization failed' };
    case 'VOIDED':
      // A tombstone (voided before it was authorized) or a voided hold: no money is held either way.
      return { action: 'reply-failed', reason: PAYMENT_CANCELLED };
    case 'REFUNDED':
      // PaymentAuthorized means "the amount is held", which is no longer true.
      return { action: 'reply-failed', reason: 'payment was refunded' };
  }
}

export type CaptureDecision = { action: 'capture' } | { action: 'reply-captured' } | { action: 'reply-capture-failed'; reason: string };

export function decideCapture(payment: Row): CaptureDecision {
  if (!payment) return { action: 'reply-capture-failed', reason: 'payment was never authorized' };
  switch (payment.status) {
    case 'AUTHORIZED':
      return { action: 'capture' };
    case 'CAPTURED':
      return { action: 'reply-captured' };
    case 'FAILED':
      return { action: 'reply-capture-failed', reason: `payment authorization failed: ${payment.failureReason ?? 'unknown reason'}` };
    case 'VOIDED':
      return { action: 'reply-capture-failed', reason: PAYMENT_CANCELLED };
    case 'REFUNDED':
      return { action: 'reply-capture-failed', reason: 'payment was refunded' };
  }
}

/** Compensation: whatever the state, the answer is PaymentVoided once no money of this payment is held or taken. */
export type VoidDecision = { action: 'tombstone' } | { action: 'void' } | { action: 'refund' } | { action: 'reply-voided' };

export function decideVoid(payment: Row): VoidDecision {
  if (!payment) return { action: 'tombstone' };
  switch (payment.status) {
    case 'AUTHORIZED':
      return { action: 'void' };
    case 'CAPTURED':
      return { action: 'refund' };
    case 'FAILED':
    case 'VOIDED':
    case 'REFUNDED':
      return { action: 'reply-voided' };
  }
}

/**
 * RefundPayment comes from cancel-order, for a CONFIRMED (so captured) order, and has no failure
 * reply: anything but CAPTURED or REFUNDED means the saga and this service disagree, which only a
 * human can sort out (the command is dead-lettered).
 */
export type RefundDecision = { action: 'refund' } | { action: 'reply-refunded' } | { action: 'refuse'; reason: string };

export function decideRefund(payment: Row): RefundDecision {
  if (!payment) return { action: 'refuse', reason: 'payment does not exist' };
  switch (payment.status) {
    case 'CAPTURED':
      return { action: 'refund' };
    case 'REFUNDED':
      return { action: 'reply-refunded' };
    default:
      return { action: 'refuse', reason: `payment is ${payment.status}, it was never captured` };
  }
}

/** The saga's reasons are bounded (libs/events `reason`: at most 500 characters). */
export function boundedReason(text: string): string {
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

export interface AuthorizationFailure {
  reason: string;
  /** The provider did not answer (or is not configured): it may have placed a hold anyway. */
  unavailable: boolean;
}

/**
 * A provider error during authorization, as the reason the saga gets; undefined for anything else
 * (the database, a bug), which is thrown and retried instead. Unavailable comes AFTER the adapter's
 * own bounded retries and timeout: the order is rejected promptly rather than held up.
 */
export function authorizationFailure(error: unknown): AuthorizationFailure | undefined {
  if (error instanceof ProviderUnavailableError) return { reason: `${PROVIDER_UNAVAILABLE} (${error.provider} is not configured)`, unavailable: true };
  if (!(error instanceof PaymentGatewayError)) return undefined;
  switch (error.kind) {
    case 'unavailable':
      return { reason: PROVIDER_UNAVAILABLE, unavailable: true };
    case 'declined':
      return { reason: boundedReason(`payment declined (${error.message})`), unavailable: false };
    case 'rejected':
      return { reason: boundedReason(`payment refused by the provider (${error.message})`), unavailable: false };
  }
}

/**
 * A provider's definitive no to a capture (declined, or our request refused, e.g. an expired
 * authorization); undefined when it may work later (unavailable, not configured, the database):
 * those are thrown, the consumer retries with backoff and the saga resends.
 */
export function captureRefusal(error: unknown): string | undefined {
  if (!(error instanceof PaymentGatewayError) || error.kind === 'unavailable') return undefined;
  return boundedReason(`capture ${error.kind === 'declined' ? 'declined' : 'refused by the provider'} (${error.message})`);
}

/** Where payment ids derived from a saga live (RFC 4122 name-based, version 5). */
const PAYMENT_ID_NAMESPACE = Buffer.from('5b0b7c1e2f5a4e0c9d1f7a3c6e2b8d40', 'hex');

/**
 * AuthorizePayment may leave the id to us (`paymentId` is optional in v1). Then it is derived from
 * the saga and the order, so every resend of that command names the same payment.
 */
export function derivedPaymentId(sagaId: string, orderId: string): string {
  const hash = createHash('sha1').update(PAYMENT_ID_NAMESPACE).update(`${sagaId}:${orderId}:payment`).digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
