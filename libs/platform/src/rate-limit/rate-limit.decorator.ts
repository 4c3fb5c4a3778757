import { SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export const RATE_LIMIT_OPTIONS = 'ecotrack:rate-limit';

/**
 * An account a request acts on, named by the request itself (an email in the body, the
 * session of a refresh token) before anything is verified: `of` must expect any body and
 * return undefined when it finds none. The value is hashed before it reaches Redis.
 */
export interface AccountKey {
  /** What the value is, for the problem detail and the Redis key ("email", "session"). */
  account: string;
  of: (request: FastifyRequest) => string | undefined;
}

/**
 * Whose budget a route limit counts:
 * - `caller` (default): the verified user, else the client IP;
 * - `ip`: the client IP, signed in or not;
 * - an AccountKey: the account the request names; requests naming none skip this limit.
 */
export type RateLimitKey = 'caller' | 'ip' | AccountKey;

/**
 * Repeated failures of one key make its next attempts wait: after `freeFailures` failures
 * (answers with one of `failureStatuses`), each further one locks the key for
 * baseSeconds * 2^(n - 1) seconds (n = failures past the free ones), at most maxSeconds;
 * 429 with Retry-After meanwhile. A success forgets them; so does a quiet `forgetAfterSeconds`.
 */
export interface FailureBackoff {
  failureStatuses: number[];
  freeFailures: number;
  baseSeconds: number;
  maxSeconds: number;
  forgetAfterSeconds: number;
}

export interface RouteRateLimit {
  /** Requests per minute per key. */
  perMinute: number;
  per?: RateLimitKey;
  backoff?: FailureBackoff;
}

const positiveInteger = (value: number) => Number.isInteger(value) && value >= 1;

/** The string field `name` of a JSON body, trimmed and lower-cased (emails compare that way); else undefined. */
export function bodyField(name: string): (request: FastifyRequest) => string | undefined {
  return (request) => {
    const body = request.body as Record<string, unknown> | null | undefined;
    const value = body && typeof body === 'object' && !Array.isArray(body) ? body[name] : undefined;
    const normalized = typeof value === 'string' ? value.trim().toLowerCase() : '';
    return normalized.length > 0 && normalized.length <= 512 ? normalized : undefined;
  };
}

/**
 * Tightens the limits of one route (or controller), e.g. login: each limit counts on its
 * own key, on top of the service-wide IP and user limits, which still apply. Several limits
 * may be given, e.g. one per client IP and one per account.
 */
export const RateLimit = (...limits: RouteRateLimit[]) => {
  if (limits.length === 0) throw new Error('@RateLimit: give at least one limit');
  for (const limit of limits) {
    if (!positiveInteger(limit.perMinute)) throw new Error('@RateLimit: perMinute must be a positive integer');
    const backoff = limit.backoff;
    if (backoff && !(positiveInteger(backoff.baseSeconds) && backoff.maxSeconds >= backoff.baseSeconds && backoff.forgetAfterSeconds >= backoff.maxSeconds && backoff.freeFailures >= 0)) {
      throw new Error('@RateLimit: backoff needs baseSeconds >= 1, maxSeconds >= baseSeconds, forgetAfterSeconds >= maxSeconds');
    }
  }
  return SetMetadata(RATE_LIMIT_OPTIONS, limits);
};
