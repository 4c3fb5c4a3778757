import { isPricedCurrency, parseMinorUnits } from '@ecotrack/platform';
import type Stripe from 'stripe';
import type { PaymentProvider } from '../gateway/payment-gateway';
import type { PaymentStatus } from '../payments/payment.entity';
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

export const STRIPE_EVENT_STATUS: Readonly<Record<string, PaymentStatus>> = {
  'payment_intent.amount_capturable_updated': 'AUTHORIZED',
  'payment_intent.succeeded': 'CAPTURED',
  'payment_intent.canceled': 'VOIDED',
  'payment_intent.payment_failed': 'FAILED',
  'charge.refunded': 'REFUNDED',
};

export const PAYPAL_EVENT_STATUS: Readonly<Record<string, PaymentStatus>> = {
  'PAYMENT.AUTHORIZATION.CREATED': 'AUTHORIZED',
  'PAYMENT.CAPTURE.COMPLETED': 'CAPTURED',
  'PAYMENT.AUTHORIZATION.VOIDED': 'VOIDED',
  'PAYMENT.CAPTURE.REFUNDED': 'REFUNDED',
  'PAYMENT.CAPTURE.DENIED': 'FAILED',
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

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const unique = (values: (string | undefined)[]): string[] => [...new Set(values.filter((value): value is string => !!value && value.length <= 128))];

/** Event id and type as every provider event must carry them (bounded by the webhook_events columns). */
function identity(provider: PaymentProvider, id: unknown, type: unknown): { eventId: string; eventType: string } {
  const eventId = text(id);
  const eventType = text(type);
  if (!eventId || eventId.length > 255 || !eventType || eventType.length > 128) {
    throw new WebhookRejectedError(provider, 'malformed-event', 'the event has no usable id or type');
  }
  return { eventId, eventType };
}

export function fromStripeEvent(event: Stripe.Event | Json): ProviderEvent {
  const { eventId, eventType } = identity('stripe', event.id, event.type);
  const object = isObject(event.data) && isObject(event.data.object) ? event.data.object : {};
  const target = STRIPE_EVENT_STATUS[eventType];
  const base: ProviderEvent = { provider: 'stripe', eventId, eventType, target, references: [] };
  if (!target) return base;
  if (eventType === 'charge.refunded') {
    const intent = isObject(object.payment_intent) ? text(object.payment_intent.id) : text(object.payment_intent);
    const refunds = isObject(object.refunds) && Array.isArray(object.refunds.data) ? object.refunds.data : [];
    return {
      ...base,
      references: unique([intent]),
      refundReference: isObject(refunds[0]) ? text(refunds[0].id) : undefined,
      refund: { full: object.refunded === true },
    };
  }
  const intent = text(object.id);
  // For Stripe the PaymentIntent is also what a refund acts on (see StripeGateway.capture).
  return { ...base, references: unique([intent]), captureReference: target === 'CAPTURED' ? intent : undefined };
}

export function fromPayPalEvent(body: unknown): ProviderEvent {
  if (!isObject(body)) throw new WebhookRejectedError('paypal', 'malformed-event', 'the body is not a JSON object');
  const { eventId, eventType } = identity('paypal', body.id, body.event_type);
  const resource = isObject(body.resource) ? body.resource : {};
  const target = PAYPAL_EVENT_STATUS[eventType];
  const base: ProviderEvent = { provider: 'paypal', eventId, eventType, target, references: [] };
  if (!target) return base;
  const related = isObject(resource.supplementary_data) && isObject(resource.supplementary_data.related_ids) ? resource.supplementary_data.related_ids : {};
  // The "up" link names the parent: an authorization's order, a capture's authorization, a refund's capture.
  const up = Array.isArray(resource.links)
    ? resource.links.filter(isObject).find((link) => link.rel === 'up' && typeof link.href === 'string')
    : undefined;
  const parent = up ? lastSegment(up.href as string) : undefined;
  const id = text(resource.id);
  const references = unique([id, text(related.order_id), text(related.authorization_id), text(related.capture_id), parent]);
  if (target === 'CAPTURED') return { ...base, references, captureReference: id };
  if (target === 'REFUNDED') {
    const amount = isObject(resource.amount) ? resource.amount : {};
    return { ...base, references, refundReference: id, refund: { amountCents: refundedMinorUnits(text(amount.value), text(amount.currency_code)) } };
  }
  return { ...base, references };
}

function lastSegment(href: string): string | undefined {
  try {
    const segment = new URL(href).pathname.split('/').filter(Boolean).pop();
    return segment && /^[A-Za-z0-9_-]+$/.test(segment) ? segment : undefined;
  } catch {
    return undefined;
  }
}

/** PayPal's decimal amount ("19.99" EUR, "1999" JPY) in minor units; undefined when it or its currency is not one we can read. */
export function refundedMinorUnits(value: string | undefined, currency: string | undefined): number | undefined {
  return value && isPricedCurrency(currency) ? parseMinorUnits(value, currency) : undefined;
}
