export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLING' | 'CANCELLED';

export const ORDER_STATUSES: readonly OrderStatus[] = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLING', 'CANCELLED'];

/**
 * The order's life: PENDING while the create-order saga runs, then CONFIRMED or
 * REJECTED. A customer may cancel a CONFIRMED order: CANCELLING while the money
 * goes back and the units return to stock, then CANCELLED. REJECTED and CANCELLED are final.
 */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['CONFIRMED', 'REJECTED'],
  CONFIRMED: ['CANCELLING'],
  REJECTED: [],
  CANCELLING: ['CANCELLED'],
  CANCELLED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => NEXT[from].includes(to);

/** A transition the order's current state does not allow. */
export class OrderStateConflictError extends Error {
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
    readonly target: OrderStatus,
  ) {
    super(`order ${orderId} is ${status} and cannot become ${target}`);
  }
}

export function assertTransition(orderId: string, from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new OrderStateConflictError(orderId, from, to);
}
