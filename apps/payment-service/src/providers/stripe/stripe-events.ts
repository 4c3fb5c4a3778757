import type Stripe from 'stripe';
import type { PaymentStatus } from '../../payments/payment.entity';
import { identity, isObject, text, unique, type Json, type ProviderEvent } from '../../webhooks/provider-events';

export const STRIPE_EVENT_STATUS: Readonly<Record<string, PaymentStatus>> = {
  'payment_intent.amount_capturable_updated': 'AUTHORIZED',
  'payment_intent.succeeded': 'CAPTURED',
  'payment_intent.canceled': 'VOIDED',
  'payment_intent.payment_failed': 'FAILED',
  'charge.refunded': 'REFUNDED',
};

/** A verified Stripe event as a ProviderEvent: the PaymentIntent (for charge.refunded, the charge's PaymentIntent) names the payment. */
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
