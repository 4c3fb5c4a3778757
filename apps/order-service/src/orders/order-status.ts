import type { EntityManager } from 'typeorm';

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

/** The states the table lets an order leave for `to`. */
export const statusesBefore = (to: OrderStatus): OrderStatus[] => ORDER_STATUSES.filter((from) => canTransition(from, to));

/** What the metrics of an order's ending need, read back by the UPDATE that ended it. */
export interface OrderFigures {
  currency: string;
  totalCents: number;
  carbonKgCo2e: number;
}

/**
 * THE way an order's status is written, in the caller's transaction: to `to`, and only from a state
 * the table allows, checked by the UPDATE itself, so a concurrent change cannot slip in between a
 * read and the write. A rejection keeps its reason. Returns false, writing nothing, when the order
 * is not (or no longer) in such a state: a saga's ending that arrives twice changes it once.
 */
export async function transitionOrder(tx: EntityManager, orderId: string, to: OrderStatus, rejectionReason?: string): Promise<boolean> {
  return (await transitionOrderFigures(tx, orderId, to, rejectionReason)) !== undefined;
}

/** transitionOrder, answering the changed order's figures (undefined: nothing changed). */
export async function transitionOrderFigures(tx: EntityManager, orderId: string, to: OrderStatus, rejectionReason?: string): Promise<OrderFigures | undefined> {
  // Wrapped in a CTE so the driver returns the rows (a bare UPDATE comes back as [rows, count]).
  const changed: { currency: string; total_cents: string; carbon_kg_co2e: string }[] = await tx.query(
    `WITH changed AS (UPDATE orders SET status = $2, rejection_reason = coalesce($4, rejection_reason), updated_at = now()
        WHERE id = $1 AND status = ANY($3::varchar[]) RETURNING currency, total_cents, carbon_kg_co2e) SELECT * FROM changed`,
    [orderId, to, statusesBefore(to), rejectionReason ?? null],
  );
  const [row] = changed;
  return row && { currency: row.currency, totalCents: Number(row.total_cents), carbonKgCo2e: Number(row.carbon_kg_co2e) };
}
