import { createHash } from 'node:crypto';
import { problem, type Problem } from '../errors/problem';

/**
 * Which budget a request ran out of: its client IP, its user, its calling service (internal
 * calls), one route's tighter limit per caller, per account named in the request, or the
 * wait that repeated failures of that account earned.
 */
export type LimitKind = 'ip' | 'user' | 'service' | 'route' | 'account' | 'backoff';

export const RATE_LIMITED_PROBLEM_TYPE = 'urn:ecotrack:problem:rate-limited';

/** One minute: every limit is "per minute". */
export const WINDOW_MS = 60_000;

/**
 * Fixed window counter, atomically: the first hit of a window creates the key
 * with the window as its TTL; every hit returns the count and the time left.
 * A key that somehow lost its TTL gets one again, so a counter can never stick.
 */
export const FIXED_WINDOW_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

export interface RateLimitDecision {
  kind: LimitKind;
  limit: number;
  /** Hits in this window, including this one. */
  count: number;
  /** Milliseconds until the window resets. */
  ttlMs: number;
}

/** Paths that are never limited: probes, Prometheus and the API docs. */
export function isExempt(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path.startsWith('/health/') || path === '/metrics' || path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-');
}

/** Accounts (emails, sessions) are personal data: only their SHA-256 ends up in a Redis key. */
export function accountDigest(account: string): string {
  return createHash('sha256').update(account).digest('hex');
}

/** `<prefix>:<service>:<kind>:<subject>`, shared by every instance of the service. */
export function rateLimitKey(prefix: string, service: string, kind: LimitKind, subject: string): string {
  return `${prefix}:${service}:${kind}:${subject}`;
}

export const isOverLimit = (decision: RateLimitDecision): boolean => decision.count > decision.limit;

export const remaining = (decision: RateLimitDecision): number => Math.max(0, decision.limit - decision.count);

/** Whole seconds until the window resets, at least 1 (Retry-After: 0 would invite an immediate retry). */
export const resetSeconds = (decision: RateLimitDecision): number => Math.max(1, Math.ceil(decision.ttlMs / 1000));

/** The RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers), plus Retry-After when over the limit. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(remaining(decision)),
    'RateLimit-Reset': String(resetSeconds(decision)),
  };
  if (isOverLimit(decision)) headers['Retry-After'] = String(resetSeconds(decision));
  return headers;
}

/** Of several decisions for one request, the one the client should be told about: the fewest hits left. */
export function tightest(decisions: RateLimitDecision[]): RateLimitDecision | undefined {
  return decisions.reduce<RateLimitDecision | undefined>(
    (best, d) => (!best || remaining(d) < remaining(best) || (remaining(d) === remaining(best) && d.ttlMs > best.ttlMs) ? d : best),
    undefined,
  );
}

const DESCRIPTION: Record<LimitKind, string> = {
  ip: 'requests from this client IP address',
  user: 'requests for this user',
  service: 'requests from this calling service',
  route: 'requests to this operation',
  account: 'requests to this operation for this account',
  backoff: 'attempts after repeated failures',
};

export function rateLimitedProblem(decision: RateLimitDecision, instance?: string): Problem {
  const detail =
    decision.kind === 'backoff'
      ? `too many failed attempts for this account (${decision.count}); retry in ${resetSeconds(decision)} s`
      : `${decision.kind} rate limit exceeded: at most ${decision.limit} ${DESCRIPTION[decision.kind]} per minute; retry in ${resetSeconds(decision)} s`;
  return problem(429, { type: RATE_LIMITED_PROBLEM_TYPE, title: 'Too Many Requests', detail, limit: decision.kind, instance });
}

/** Gives one hit back (to a window that still runs). KEYS: the counter. */
export const REFUND_SCRIPT = `
if redis.call('PTTL', KEYS[1]) > 0 then redis.call('DECR', KEYS[1]) end
return { 0, 0 }
`;

/**
 * One failure of a key under backoff (see FailureBackoff): counts it (remembered for the
 * forget window) and, past the free ones, locks the key for base * 2^(n - 1) ms, capped.
 * KEYS: failures, wait. ARGV: free failures, base ms, max ms, forget ms. Returns {failures, wait ms}.
 */
export const RECORD_FAILURE_SCRIPT = `
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = failures - tonumber(ARGV[1])
if over <= 0 then return { failures, 0 } end
local wait = math.floor(math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (over - 1)))
redis.call('SET', KEYS[2], failures, 'PX', wait)
return { failures, wait }
`;

/** Still waiting? KEYS: wait. Returns {failures, ms left}, ms left <= 0 when free to try. */
export const CHECK_WAIT_SCRIPT = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then return { 0, 0 } end
return { tonumber(redis.call('GET', KEYS[1])) or 0, ttl }
`;
