import { topics, type Envelope } from '@ecotrack/events';
import type { SealedFields } from '../notifications/sealed-data';
import type { TemplateName } from '../templates/templates';

/** The domain events that notify someone (or tell where to), where they arrive. */
export const NOTIFYING_EVENTS = [
  { topic: topics.user.events, type: 'UserRegistered' },
  { topic: topics.user.events, type: 'EmailVerificationRequested' },
  { topic: topics.user.events, type: 'EmailVerified' },
  { topic: topics.order.events, type: 'OrderConfirmed' },
  { topic: topics.order.events, type: 'OrderRejected' },
  { topic: topics.order.events, type: 'OrderCancelled' },
  { topic: topics.payment.events, type: 'PaymentCaptured' },
  { topic: topics.payment.events, type: 'PaymentRefunded' },
] as const;

export type NotifyingEvent = Envelope<(typeof NOTIFYING_EVENTS)[number]['type']>;

/** Whom an event notifies, with which template and data (and which of it arrived sealed). */
export interface NotificationPlan {
  userId: string;
  template: TemplateName;
  data: Record<string, unknown>;
  sealed?: SealedFields;
}

/** The welcome without a name: "Hello there, welcome to EcoTrack." */
export const NAMELESS_GREETING = 'there';

/** "2026-11-27 10:00 UTC": when a verification token expires, as the mail says it. */
export const mailTime = (iso: string): string => `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The notification an event asks for; undefined when it only tells where mail goes (UserRegistered
 * v2: the verification mail comes with its own event). Mail to an address nobody has verified
 * carries no user-chosen text: the welcome with the display name waits for EmailVerified, and a v1
 * UserRegistered (an older producer, before verification existed) gets the nameless welcome.
 */
export function notificationPlan(event: NotifyingEvent): NotificationPlan | undefined {
  switch (event.type) {
    case 'UserRegistered':
      return event.version === 1 ? { userId: event.payload.userId, template: 'welcome', data: { name: NAMELESS_GREETING } } : undefined;
    case 'EmailVerificationRequested': {
      const { userId, token, expiresAt } = event.payload;
      return { userId, template: 'verify-email', data: { expiresAt: mailTime(expiresAt) }, sealed: { token } };
    }
    case 'EmailVerified': {
      const { userId, name } = event.payload;
      return name ? { userId, template: 'welcome', data: {}, sealed: { name } } : { userId, template: 'welcome', data: { name: NAMELESS_GREETING } };
    }
    case 'OrderConfirmed': {
      const { orderId, userId, totalCents, currency } = event.payload;
      return { userId, template: 'order-confirmed', data: { orderId, totalCents, currency } };
    }
    case 'OrderRejected': {
      const { orderId, userId, reason } = event.payload;
      return { userId, template: 'order-rejected', data: { orderId, reason } };
    }
    case 'OrderCancelled': {
      const { orderId, userId } = event.payload;
      return { userId, template: 'order-cancelled', data: { orderId } };
    }
    case 'PaymentCaptured': {
      const { paymentId, userId, amountCents, currency } = event.payload;
      return { userId, template: 'payment-receipt', data: { paymentId, amountCents, currency } };
    }
    case 'PaymentRefunded': {
      const { orderId, paymentId, userId, amountCents, currency } = event.payload;
      return { userId, template: 'payment-refunded', data: { orderId, paymentId, amountCents, currency } };
    }
  }
}

/** The address an event tells (sealed from v2 on, in clear in UserRegistered v1); undefined when it tells none. */
export function addressOf(event: NotifyingEvent): { sealed: string } | { clear: string } | undefined {
  if (event.type === 'UserRegistered') return event.version === 1 ? { clear: event.payload.email } : { sealed: event.payload.email };
  if (event.type === 'EmailVerificationRequested') return { sealed: event.payload.email };
  return undefined;
}
