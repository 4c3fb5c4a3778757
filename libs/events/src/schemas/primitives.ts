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

/**
 * An email address as events and notification-service take it: zod's rule (ASCII, no quoted local
 * part), stricter than class-validator's IsEmail, so user-service refuses at registration what
 * could not be delivered later.
 */
export const emailAddress = z.string().email().max(320);

/**
 * The transit key (OpenBao) that seals personal fields of events: user-service may only encrypt
 * with it, notification-service may only decrypt (deploy/openbao/policies). Kafka,
 * the outbox tables and anyone else reading a topic see ciphertext.
 */
export const SEALED_FIELDS_KEY = 'notification-fields';

/** A field sealed with SEALED_FIELDS_KEY: transit ciphertext `vault:v<n>:<base64>`, never the value. */
export const sealed = z
  .string()
  .max(4096)
  .regex(/^vault:v[1-9]\d*:[A-Za-z0-9+/=]+$/, 'expected a transit ciphertext (vault:v<n>:...), never the value in clear');
