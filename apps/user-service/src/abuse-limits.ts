import { bodyField, type AccountKey, type FailureBackoff, type RouteRateLimit } from '@ecotrack/platform';
import { sessionOf } from './sessions/refresh-token';

/**
 * Limits of the routes that take credentials, on top of the service-wide ones (300 requests
 * a minute per client IP): one budget per client IP, a tighter one per account the request
 * names, so neither one address spraying many accounts nor many addresses hammering one
 * account gets far. Per IP they leave room for many users behind one NAT.
 */
const email: AccountKey = { account: 'email', of: bodyField('email') };
/** The session a refresh token claims to belong to (whether the secret is right or not). */
const session: AccountKey = {
  account: 'session',
  of: (request) => {
    const token = (request.body as { refreshToken?: unknown } | undefined)?.refreshToken;
    return typeof token === 'string' ? sessionOf(token) : undefined;
  },
};

/**
 * Failed logins of an account: three are free, then each makes the next attempt wait
 * twice as long (2 s, 4 s, 8 s ... at most 15 minutes); a successful login, or an hour
 * without failures, forgets them. Guessing a password gets slow for everyone, while the
 * owner is kept out for minutes at worst.
 */
export const LOGIN_BACKOFF: FailureBackoff = { failureStatuses: [401], freeFailures: 3, baseSeconds: 2, maxSeconds: 900, forgetAfterSeconds: 3600 };

export const LOGIN_LIMITS: RouteRateLimit[] = [
  { perMinute: 60, per: 'ip' },
  { perMinute: 10, per: email, backoff: LOGIN_BACKOFF },
];
export const REGISTRATION_LIMITS: RouteRateLimit[] = [
  { perMinute: 20, per: 'ip' },
  { perMinute: 5, per: email },
];
export const REFRESH_LIMITS: RouteRateLimit[] = [
  { perMinute: 60, per: 'ip' },
  { perMinute: 10, per: session },
];
