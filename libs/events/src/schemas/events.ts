import { z } from 'zod';
import { cents, currency, emailAddress, reason, reservationLine, sealed, uuid } from './primitives';

/** Domain events: facts a service announces on `<service>.events`, for whoever listens. */

/** user.events. v1 carried the address and name in clear; consumers still read it, nobody writes it. */
export const userRegisteredV1 = z.object({
  userId: uuid,
  email: emailAddress,
  name: z.string().min(1).max(200).optional(),
});

/** user.events: an account exists. Its address is sealed (SEALED_FIELDS_KEY); the display name is not sent. */
export const userRegisteredV2 = z.object({ userId: uuid, email: sealed });

/**
 * user.events: mail this verification token to this address (at registration, and on each resend).
 * Both sealed: the token is a secret (user-service keeps only its hash) and the address is personal.
 */
export const emailVerificationRequestedV1 = z.object({
  userId: uuid,
  email: sealed,
  token: sealed,
  expiresAt: z.string().datetime({ offset: true }),
});

/**
 * user.events: the user proved the address is theirs. The display name (sealed) comes along: only
 * now may mail carry it (an unverified address must not relay user-chosen text).
 */
export const emailVerifiedV1 = z.object({ userId: uuid, name: sealed.optional() });

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
