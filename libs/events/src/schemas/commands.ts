import { z } from 'zod';
import { cents, currency, reason, reservationLine, uuid } from './primitives';

/**
 * Commands: what the order saga asks product-service and payment-service to do.
 * Each is answered by a reply on order.saga.replies (see replies.ts).
 */

/** product.commands: take stock out for an order, all lines or none. */
export const reserveInventoryV1 = z.object({
  reservationId: uuid,
  orderId: uuid,
  lines: z.array(reservationLine).min(1).max(50),
});

/** product.commands: the order is paid; the reserved units are sold. */
export const confirmReservationV1 = z.object({ reservationId: uuid });

/** product.commands: compensation; the reserved units go back to stock. */
export const releaseReservationV1 = z.object({ reservationId: uuid, reason });

/** product.commands: a CONFIRMED order was cancelled; its sold units go back to stock. */
export const restockReservationV1 = z.object({ reservationId: uuid, orderId: uuid });

/**
 * payment.commands: hold the amount at the provider. `paymentId` lets the saga
 * choose the id (idempotent retries); `userId` is carried so payment events can
 * name the customer to notify without another lookup.
 */
export const authorizePaymentV1 = z
  .object({
    paymentId: uuid.optional(),
    orderId: uuid,
    userId: uuid,
    amountCents: cents.min(1),
    currency,
    provider: z.enum(['stripe', 'paypal']),
    /** A provider token (Stripe PaymentMethod id); never card data. Required for stripe. */
    paymentMethodToken: z.string().min(1).max(255).optional(),
  })
  .refine((command) => command.provider !== 'stripe' || command.paymentMethodToken !== undefined, {
    message: 'paymentMethodToken is required for stripe',
    path: ['paymentMethodToken'],
  });

/** payment.commands: take the held amount. */
export const capturePaymentV1 = z.object({ orderId: uuid, paymentId: uuid });

/** payment.commands: compensation before capture; the hold is dropped. */
export const voidPaymentV1 = z.object({ orderId: uuid, paymentId: uuid });

/** payment.commands: compensation after capture; the money goes back. */
export const refundPaymentV1 = z.object({ orderId: uuid, paymentId: uuid });
