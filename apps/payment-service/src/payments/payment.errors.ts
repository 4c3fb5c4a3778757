import type { PaymentStatus } from './payment.entity';

export type PaymentOperation = 'capture' | 'void' | 'refund';

export class PaymentNotFoundError extends Error {
  constructor(readonly paymentId: string) {
    super(`payment ${paymentId} does not exist`);
  }
}

/** The state machine refuses: AUTHORIZED → CAPTURED → REFUNDED, AUTHORIZED → VOIDED only. */
export class IllegalTransitionError extends Error {
  constructor(readonly paymentId: string, readonly from: PaymentStatus, readonly operation: PaymentOperation) {
    super(`payment ${paymentId} is ${from}: ${operation} is not allowed`);
  }
}
