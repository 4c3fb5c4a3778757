import { z } from 'zod';

/** Building blocks shared by every payload, so a rule (e.g. what a currency is) is written once. */
export const uuid = z.string().uuid();

/** Money is always an integer number of minor units (cents); never a float. */
export const cents = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** ISO 4217 code, upper case (EUR, USD). */
export const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR');

/** A human-readable reason (why a step failed or was compensated), bounded so it fits a log line. */
export const reason = z.string().min(1).max(500);

/** Items of a reservation, the same bounds as product-service's reservation API. */
export const reservationLine = z.object({
  productId: uuid,
  quantity: z.number().int().min(1).max(1000),
});
