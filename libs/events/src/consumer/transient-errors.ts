/**
 * Errors that say "the database (or the network to it) is away", not "this
 * message cannot be handled". A consumer waits those out WITHOUT counting an
 * attempt: a PostgreSQL restart must not send every message in flight to the
 * dead-letter topic.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** SQLSTATEs: class 08 (connection exception), admin/crash shutdown, cannot connect now, too many connections. */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

const TRANSIENT_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /Connection is not established/i];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

export function isTransientInfrastructureError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { code, message, driverError, cause } = error as ErrorLike;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || /^08...$/.test(code))) return true;
  if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  return isTransientInfrastructureError(driverError, depth + 1) || isTransientInfrastructureError(cause, depth + 1);
}

/**
 * Thrown by a handler for a message that will never succeed (say, it refers to
 * something that does not exist): it goes to the dead-letter topic at once,
 * without the retries.
 */
export class NonRetryableMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableMessageError';
  }
}
