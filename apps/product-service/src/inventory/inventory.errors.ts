/**
 * Inventory outcomes that are not successes. Plain errors, not HTTP exceptions:
 * the service is driven over HTTP now and over Kafka by the saga later; each
 * transport maps them (see reservation-problems.ts for HTTP).
 */
export class OutOfStockError extends Error {
  constructor(readonly productId: string, readonly requested: number) {
    super(`product ${productId} does not have ${requested} units available`);
  }
}

export class UnknownProductsError extends Error {
  constructor(readonly productIds: string[]) {
    super(`unknown products: ${productIds.join(', ')}`);
  }
}

export class ReservationNotFoundError extends Error {
  constructor(readonly reservationId: string) {
    super(`reservation ${reservationId} does not exist`);
  }
}

/** The reservation exists but the request does not fit it (other items, or a transition not allowed). */
export class ReservationConflictError extends Error {
  constructor(readonly reservationId: string, message: string) {
    super(message);
  }
}
