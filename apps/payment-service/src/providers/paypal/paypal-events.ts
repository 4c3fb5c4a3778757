import { isPricedCurrency, parseMinorUnits } from '@ecotrack/platform';
import type { PaymentStatus } from '../../payments/payment.entity';
import { identity, isObject, text, unique, type ProviderEvent } from '../../webhooks/provider-events';
import { WebhookRejectedError } from '../../webhooks/webhook.errors';

export const PAYPAL_EVENT_STATUS: Readonly<Record<string, PaymentStatus>> = {
  'PAYMENT.AUTHORIZATION.CREATED': 'AUTHORIZED',
  'PAYMENT.CAPTURE.COMPLETED': 'CAPTURED',
  'PAYMENT.AUTHORIZATION.VOIDED': 'VOIDED',
  'PAYMENT.CAPTURE.REFUNDED': 'REFUNDED',
  'PAYMENT.CAPTURE.DENIED': 'FAILED',
};

/** A verified PayPal webhook event as a ProviderEvent: the resource, its related ids and its "up" link may name the payment. */
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
