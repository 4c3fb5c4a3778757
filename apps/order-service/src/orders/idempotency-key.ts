import { ValidationProblemException } from '@ecotrack/platform';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Visible ASCII only (a UUID is the usual choice), 1 to 128 characters. */
const VALID_KEY = /^[\x21-\x7e]{1,128}$/;

export function isValidIdempotencyKey(value: unknown): value is string {
  return typeof value === 'string' && VALID_KEY.test(value);
}

/** The header's value, or a 400 problem naming the header when it is missing or invalid. */
export function parseIdempotencyKey(value: unknown): string {
  if (isValidIdempotencyKey(value)) return value;
  const message =
    value === undefined || value === ''
      ? `${IDEMPOTENCY_KEY_HEADER} header is required`
      : `${IDEMPOTENCY_KEY_HEADER} must be 1 to 128 visible ASCII characters`;
  throw new ValidationProblemException([{ field: IDEMPOTENCY_KEY_HEADER, message }]);
}

/** The validated Idempotency-Key header of the request. */
export const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  parseIdempotencyKey(context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key']),
);
