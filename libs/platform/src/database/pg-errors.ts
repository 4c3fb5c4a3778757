import { QueryFailedError } from 'typeorm';

/** PostgreSQL error codes (SQLSTATE) that services turn into client errors. */
export const PgError = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
} as const;

/** The SQLSTATE of a failed query, or undefined for any other error. */
export function pgErrorCode(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
}
