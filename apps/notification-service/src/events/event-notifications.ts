import { topics, type Envelope } from '@ecotrack/events';
import type { TemplateName } from '../templates/templates';

/** The domain events that notify someone, where they arrive. */
export const NOTIFYING_EVENTS = [
  { topic: topics.user.events, type: 'UserRegistered' },
  { topic: topics.order.events, type: 'OrderConfirmed' },
  { topic: topics.order.events, type: 'OrderRejected' },
  { topic: topics.order.events, type: 'OrderCancelled' },
  { topic: topics.payment.events, type: 'PaymentCaptured' },
  { topic: topics.payment.events, type: 'PaymentRefunded' },
] as const;

export type NotifyingEvent = Envelope<(typeof NOTIFYING_EVENTS)[number]['type']>;

/** Whom an event notifies, with which template and data. */
export interface NotificationPlan {
  userId: string;
  template: TemplateName;
  data: Record<string, unknown>;
}

/** UserRegistered's name is optional: "Hello there, welcome to EcoTrack." */
export const NAMELESS_GREETING = 'there';

export function notificationPlan(event: NotifyingEvent): NotificationPlan {
  switch (event.type) {
    case 'UserRegistered':
      return { userId: event.payload.userId, template: 'welcome', data: { name: event.payload.name ?? NAMELESS_GREETING } };
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
