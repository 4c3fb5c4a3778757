import type { PaymentStatus } from '../payments/payment.entity';
import type { PaymentProvider } from '../providers/payment-gateway';
import { WebhookRejectedError } from './webhook.errors';

/** A provider's event, reduced to what reconciliation needs. */
export interface ProviderEvent {
  provider: PaymentProvider;
  /** The provider's event id (Stripe evt_..., PayPal WH-...): the same on every redelivery. */
  eventId: string;
  eventType: string;
  /** The status the event reports; undefined for a type we do not act on. */
  target?: PaymentStatus;
  /** Provider ids that may name the payment, matched against its provider/authorization/capture references. */
  references: string[];
  /** Filled in on the payment when the event applies, where it has none yet. */
  captureReference?: string;
  refundReference?: string;
  /** For refunds: `full` when the provider says so (Stripe), else the refunded amount to compare (PayPal). */
  refund?: { full?: boolean; amountCents?: number };
}

/**
 * Where a provider's word may move a payment: forward only. A later state implies the earlier ones
 * (a refund implies a capture), so deliveries out of order end in the same state as in order, and
 * CAPTURED never becomes AUTHORIZED again. VOIDED, REFUNDED and FAILED are final.
 */
export const FORWARD: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  AUTHORIZED: ['CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'],
  CAPTURED: ['REFUNDED'],
  VOIDED: [],
  REFUNDED: [],
  FAILED: [],
};

export type Reconciliation = { outcome: 'applied' | 'unchanged' } | { outcome: 'ignored'; reason: string };

/** What an event does to a payment in `current` status (pure; the service applies it under a row lock). */
export function reconcile(current: PaymentStatus, amountCents: number, event: ProviderEvent): Reconciliation {
  const target = event.target;
  if (!target) return { outcome: 'ignored', reason: `${event.eventType} is not an event we act on` };
  if (target === 'REFUNDED' && isPartialRefund(amountCents, event.refund)) return { outcome: 'ignored', reason: 'a partial refund' };
  if (current === target) return { outcome: 'unchanged' };
  if (FORWARD[current].includes(target)) return { outcome: 'applied' };
  return { outcome: 'ignored', reason: `${current} → ${target} is not forward` };
}

function isPartialRefund(amountCents: number, refund: ProviderEvent['refund']): boolean {
  if (refund?.full !== undefined) return !refund.full;
  return refund?.amountCents !== undefined && refund.amountCents < amountCents;
}

/** Reading an untrusted event body: shared by each provider's translation (providers/<vendor>/<vendor>-events.ts). */
export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
export const unique = (values: (string | undefined)[]): string[] => [...new Set(values.filter((value): value is string => !!value && value.length <= 128))];

/** Event id and type as every provider event must carry them (bounded by the webhook_events columns). */
export function identity(provider: PaymentProvider, id: unknown, type: unknown): { eventId: string; eventType: string } {
  const eventId = text(id);
  const eventType = text(type);
  if (!eventId || eventId.length > 255 || !eventType || eventType.length > 128) {
    throw new WebhookRejectedError(provider, 'malformed-event', 'the event has no usable id or type');
  }
  return { eventId, eventType };
}
