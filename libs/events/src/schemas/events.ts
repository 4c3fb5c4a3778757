import { z } from 'zod';
import { cents, currency, reason, reservationLine, uuid } from './primitives';

/** Domain events: facts a service announces on `<service>.events`, for whoever listens. */

/** user.events */
export const userRegisteredV1 = z.object({
  userId: uuid,
  email: z.string().email().max(320),
  name: z.string().min(1).max(200).optional(),
});

/** product.events */
export const productPriceChangedV1 = z.object({ productId: uuid, priceCents: cents, currency });

/** product.events: units still available after a reservation, release or restock. */
export const stockChangedV1 = z.object({ productId: uuid, available: z.number().int().min(0) });

/** order.events: accepted (PENDING); the saga starts. */
export const orderPlacedV1 = z.object({
  orderId: uuid,
  userId: uuid,
  totalCents: cents,
  currency,
  lines: z.array(reservationLine).min(1).max(50),
});

/** order.events: reserved and paid. */
export const orderConfirmedV1 = z.object({ orderId: uuid, userId: uuid, totalCents: cents, currency });

/** order.events: a step failed; the steps done were compensated. */
export const orderRejectedV1 = z.object({ orderId: uuid, userId: uuid, reason });

/** order.events: cancelled by the customer while PENDING. */
export const orderCancelledV1 = z.object({ orderId: uuid, userId: uuid });

/** notification.events: one notification went out (or was accepted by the provider). */
export const notificationSentV1 = z.object({
  notificationId: uuid,
  userId: uuid,
  channel: z.enum(['email', 'sms', 'push']),
  template: z.string().min(1).max(64),
});
