import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { SessionRevocation } from './session-revocation';

/** Where verification keys come from. */
export type VerificationKeys =
  /** Any service: the issuer's JWKS over HTTP, cached, refetched on an unknown kid (at most once per cooldown). */
  | { jwksUrl: string; cooldownMs?: number; cacheMaxAgeMs?: number; timeoutMs?: number }
  /** The issuer itself: its own key set, no HTTP round trip. */
  | { keySet: JWTVerifyGetKey };

export interface AuthOptions {
  issuer: string;
  audience: string;
  keys: VerificationKeys;
  /**
   * Session check on every request, so a logout takes effect before the token expires.
   * Omitted: Redis `session:<sid>` existence when the service has Redis, none otherwise.
   * false: off (the token alone decides until it expires).
   */
  revocation?: SessionRevocation | false;
  /** Leeway for exp/nbf/iat against clock skew between services; default 5 s. */
  clockToleranceSeconds?: number;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** Who made the request, as read from a verified access token. */
export interface AuthenticatedUser {
  /** `sub`: the user id. */
  id: string;
  roles: string[];
  /** `sid`: the login session the token belongs to. */
  sessionId?: string;
  claims: JWTPayload;
}
