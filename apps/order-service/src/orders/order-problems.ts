import { ConflictException } from '@nestjs/common';
import { problem } from '@ecotrack/platform';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency-key';
import type { OrderStateConflictError } from './order-status';

export const OrderProblemType = {
  idempotencyKeyReused: 'urn:ecotrack:problem:idempotency-key-reused',
  orderStateConflict: 'urn:ecotrack:problem:order-state-conflict',
} as const;

export function idempotencyKeyReused(key: string): ConflictException {
  return new ConflictException(
    problem(409, {
      type: OrderProblemType.idempotencyKeyReused,
      title: 'Idempotency-Key reused with another request',
      detail: `${IDEMPOTENCY_KEY_HEADER} ${key} was already used with a different request body; use a new key for a new order`,
      idempotencyKey: key,
    }),
  );
}

export function orderStateConflict(error: OrderStateConflictError): ConflictException {
  return new ConflictException(
    problem(409, {
      type: OrderProblemType.orderStateConflict,
      title: 'Order state conflict',
      detail:
        error.status === 'PENDING'
          ? `order ${error.orderId} is still being processed (PENDING); it can be cancelled once CONFIRMED`
          : `order ${error.orderId} is ${error.status} and cannot become ${error.target}`,
      orderId: error.orderId,
      orderStatus: error.status,
    }),
  );
}
