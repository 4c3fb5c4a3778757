import type { z } from 'zod';
import * as commands from './commands';
import * as events from './events';
import * as replies from './replies';

// Three kinds, kept apart so a saga step can only name a command, and expect only a reply.
const commandSchemas = {
  // product.commands, payment.commands
  ReserveInventory: { 1: commands.reserveInventoryV1 },
  ConfirmReservation: { 1: commands.confirmReservationV1 },
  ReleaseReservation: { 1: commands.releaseReservationV1 },
  RestockReservation: { 1: commands.restockReservationV1 },
  AuthorizePayment: { 1: commands.authorizePaymentV1 },
  CapturePayment: { 1: commands.capturePaymentV1 },
  VoidPayment: { 1: commands.voidPaymentV1 },
  RefundPayment: { 1: commands.refundPaymentV1 },
} as const;

const replySchemas = {
  // order.saga.replies; the saga id is the envelope's correlationId
  InventoryReserved: { 1: replies.inventoryReservedV1 },
  InventoryReservationFailed: { 1: replies.inventoryReservationFailedV1 },
  ReservationConfirmed: { 1: replies.reservationConfirmedV1 },
  ReservationReleased: { 1: replies.reservationReleasedV1 },
  ReservationRestocked: { 1: replies.reservationRestockedV1 },
  PaymentAuthorized: { 1: replies.paymentAuthorizedV1 },
  PaymentAuthorizationFailed: { 1: replies.paymentAuthorizationFailedV1 },
  PaymentCaptured: { 1: replies.paymentCapturedV1 },
  PaymentCaptureFailed: { 1: replies.paymentCaptureFailedV1 },
  PaymentVoided: { 1: replies.paymentVoidedV1 },
  PaymentRefunded: { 1: replies.paymentRefundedV1 },
} as const;

const eventSchemas = {
  // <service>.events
  UserRegistered: { 1: events.userRegisteredV1, 2: events.userRegisteredV2 },
  EmailVerificationRequested: { 1: events.emailVerificationRequestedV1 },
  EmailVerified: { 1: events.emailVerifiedV1 },
  ProductPriceChanged: { 1: events.productPriceChangedV1 },
  StockChanged: { 1: events.stockChangedV1 },
  OrderPlaced: { 1: events.orderPlacedV1 },
  OrderConfirmed: { 1: events.orderConfirmedV1 },
  OrderRejected: { 1: events.orderRejectedV1 },
  OrderCancelled: { 1: events.orderCancelledV1 },
  NotificationSent: { 1: events.notificationSentV1 },
} as const;

/**
 * THE registry: every message type, every version, one zod schema each. The
 * outbox validates against it before a message is written, consumers before a
 * handler sees it; the TypeScript types below are inferred from it.
 *
 * Versioning rules: adding an OPTIONAL field is a compatible change within a
 * version (consumers strip fields they do not know). Anything else (a new
 * required field, a rename, a changed meaning) is a new version: add `2: ...`
 * next to `1`, teach consumers both, then move producers (they always write
 * the latest). Remove a version only when no topic or outbox can still hold it.
 */
export const messageSchemas = { ...commandSchemas, ...replySchemas, ...eventSchemas } as const satisfies Record<string, Record<number, z.ZodTypeAny>>;

type Registry = typeof messageSchemas;

export type MessageType = keyof Registry;

/** What a saga asks a participant to do (a saga step's command, checked by the compiler). */
export type CommandType = keyof typeof commandSchemas;

/** A participant's answer to a command (a saga step's outcome; some also travel as events). */
export type ReplyType = keyof typeof replySchemas;

export type MessageVersion<T extends MessageType> = keyof Registry[T] & number;

/** The highest version number of a type (up to 5; extend the chain when a type reaches 6). */
type Highest<V extends number> = 5 extends V ? 5 : 4 extends V ? 4 : 3 extends V ? 3 : 2 extends V ? 2 : 1;
export type LatestVersion<T extends MessageType> = Highest<MessageVersion<T>>;

type SchemaOf<T extends MessageType, V extends MessageVersion<T>> = Extract<Registry[T][V], z.ZodTypeAny>;

/** What a consumer gets (after parsing): a version's payload. */
export type PayloadOf<T extends MessageType, V extends MessageVersion<T> = LatestVersion<T> & MessageVersion<T>> = z.output<SchemaOf<T, V>>;

/** What a producer writes: the latest version's payload. */
export type OutgoingPayload<T extends MessageType> = z.input<SchemaOf<T, LatestVersion<T> & MessageVersion<T>>>;

/** Each command's payload by its type: what a saga (or a test playing one) may send. */
export type CommandPayloads = { [T in CommandType]: OutgoingPayload<T> };

export function isMessageType(type: string): type is MessageType {
  return Object.prototype.hasOwnProperty.call(messageSchemas, type);
}

/** The versions a type has, ascending. */
export function versionsOf(type: MessageType): number[] {
  return Object.keys(messageSchemas[type])
    .map(Number)
    .sort((a, b) => a - b);
}

export function latestVersionOf(type: MessageType): number {
  const versions = versionsOf(type);
  return versions[versions.length - 1];
}

export function schemaOf(type: MessageType, version: number): z.ZodTypeAny | undefined {
  return (messageSchemas[type] as Record<number, z.ZodTypeAny>)[version];
}
