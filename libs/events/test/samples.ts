import { randomUUID } from 'node:crypto';
import type { MessageType, OutgoingPayload } from '../src/schemas/message-schemas';

const id = () => randomUUID();
/** What transit ciphertext looks like (sealed fields are never checked for what they hold). */
const sealedSample = 'vault:v1:c2VhbGVkIHNhbXBsZQ==';

/** One valid payload per message type: the registry and this list must not drift apart (schemas.spec checks). */
export const samplePayloads: { [T in MessageType]: () => OutgoingPayload<T> } = {
  ReserveInventory: () => ({ reservationId: id(), orderId: id(), lines: [{ productId: id(), quantity: 2 }] }),
  ConfirmReservation: () => ({ reservationId: id() }),
  ReleaseReservation: () => ({ reservationId: id(), reason: 'payment declined' }),
  RestockReservation: () => ({ reservationId: id(), orderId: id() }),
  AuthorizePayment: () => ({ orderId: id(), userId: id(), amountCents: 1999, currency: 'EUR', provider: 'stripe', paymentMethodToken: 'pm_card_visa' }),
  CapturePayment: () => ({ orderId: id(), paymentId: id() }),
  VoidPayment: () => ({ orderId: id(), paymentId: id() }),
  RefundPayment: () => ({ orderId: id(), paymentId: id() }),
  InventoryReserved: () => ({ reservationId: id(), orderId: id() }),
  InventoryReservationFailed: () => ({ reservationId: id(), orderId: id(), reason: 'out of stock' }),
  ReservationConfirmed: () => ({ reservationId: id() }),
  ReservationReleased: () => ({ reservationId: id() }),
  ReservationRestocked: () => ({ reservationId: id() }),
  PaymentAuthorized: () => ({ orderId: id(), paymentId: id() }),
  PaymentAuthorizationFailed: () => ({ orderId: id(), reason: 'card declined' }),
  PaymentCaptured: () => ({ orderId: id(), paymentId: id(), userId: id(), amountCents: 1999, currency: 'EUR' }),
  PaymentCaptureFailed: () => ({ orderId: id(), paymentId: id(), reason: 'authorization expired' }),
  PaymentVoided: () => ({ orderId: id(), paymentId: id() }),
  PaymentRefunded: () => ({ orderId: id(), paymentId: id(), userId: id(), amountCents: 1999, currency: 'EUR' }),
  UserRegistered: () => ({ userId: id(), email: sealedSample }),
  EmailVerificationRequested: () => ({ userId: id(), email: sealedSample, token: sealedSample, expiresAt: new Date().toISOString() }),
  EmailVerified: () => ({ userId: id(), name: sealedSample }),
  ProductPriceChanged: () => ({ productId: id(), priceCents: 2500, currency: 'EUR' }),
  StockChanged: () => ({ productId: id(), available: 7 }),
  OrderPlaced: () => ({ orderId: id(), userId: id(), totalCents: 3998, currency: 'EUR', lines: [{ productId: id(), quantity: 2 }] }),
  OrderConfirmed: () => ({ orderId: id(), userId: id(), totalCents: 3998, currency: 'EUR' }),
  OrderRejected: () => ({ orderId: id(), userId: id(), reason: 'out of stock' }),
  OrderCancelled: () => ({ orderId: id(), userId: id() }),
  NotificationSent: () => ({ notificationId: id(), userId: id(), channel: 'email', template: 'order-confirmed' }),
};
