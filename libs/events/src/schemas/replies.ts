import { z } from 'zod';
import { cents, currency, reason, uuid } from './primitives';

/**
 * Replies to the saga's commands, all on order.saga.replies. The saga a reply
 * belongs to is NOT in the payload: it is the envelope's correlationId (copied
 * from the command, see `replyTo`), and the reply's causationId is the command's
 * id. One place for the saga id means a reply can never carry two that disagree.
 */

export const inventoryReservedV1 = z.object({ reservationId: uuid, orderId: uuid });

export const inventoryReservationFailedV1 = z.object({ reservationId: uuid, orderId: uuid, reason });

export const reservationConfirmedV1 = z.object({ reservationId: uuid });

export const reservationReleasedV1 = z.object({ reservationId: uuid });

export const reservationRestockedV1 = z.object({ reservationId: uuid });

export const paymentAuthorizedV1 = z.object({ orderId: uuid, paymentId: uuid });

export const paymentAuthorizationFailedV1 = z.object({ orderId: uuid, paymentId: uuid.optional(), reason });

/**
 * Also published as an event on payment.events for notification-service: one
 * schema, two audiences (the topic says which). Hence the amount and the customer.
 */
export const paymentCapturedV1 = z.object({ orderId: uuid, paymentId: uuid, userId: uuid, amountCents: cents, currency });

export const paymentCaptureFailedV1 = z.object({ orderId: uuid, paymentId: uuid, reason });

export const paymentVoidedV1 = z.object({ orderId: uuid, paymentId: uuid });

/** Like PaymentCaptured: a reply to the saga and an event on payment.events. */
export const paymentRefundedV1 = z.object({ orderId: uuid, paymentId: uuid, userId: uuid, amountCents: cents, currency });
