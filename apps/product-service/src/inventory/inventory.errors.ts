/**
 * Inventory outcomes that are not successes. Plain errors, not HTTP exceptions:
 * the service is driven over HTTP (admin) and over Kafka (the order saga); each
 * transport maps them (reservation-problems.ts for HTTP, inventory-commands.ts
 * for replies). `reason` is the short form a saga reply carries.
 */

/** Replies carry at most 500 characters of reason (the schema's bound). */
export const MAX_REASON_LENGTH = 500;

export function clipReason(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}

export class OutOfStockError extends Error {
  constructor(
    readonly productId: string,
    readonly requested: number,
  ) {
    super(`product ${productId} does not have ${requested} units available`);
  }

  get reason(): string {
    return `out of stock: ${this.productId}`;
  }
}

export class UnknownProductsError extends Error {
  constructor(readonly productIds: string[]) {
    super(`unknown products: ${productIds.join(', ')}`);
  }

  get reason(): string {
    return clipReason(`unknown product: ${this.productIds.join(', ')}`);
  }
}

export class ReservationNotFoundError extends Error {
  constructor(readonly reservationId: string) {
    super(`reservation ${reservationId} does not exist`);
  }
}

/** The reservation exists but the request does not fit it (other items, or a transition not allowed). */
export class ReservationConflictError extends Error {
  constructor(
    readonly reservationId: string,
    message: string,
  ) {
    super(message);
  }

  get reason(): string {
    return clipReason(this.message);
  }
}

/**
 * The reservation id was refused before (a reserve that took nothing, or a release that came
 * before any reserve): it never holds stock. `reason` is the one given the first time, so a
 * repeated request gets the same answer.
 */
export class ReservationRefusedError extends Error {
  constructor(
    readonly reservationId: string,
    readonly reason: string,
  ) {
    super(`reservation ${reservationId} was refused: ${reason}`);
  }
}

/** Why a reserve took nothing. */
export type ReserveRefusal = OutOfStockError | UnknownProductsError | ReservationConflictError | ReservationRefusedError;
