import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthenticatedUser, AuthOptions } from './auth.options';

/** Asymmetric only: `none` and HS* never verify, whatever the token's header claims. */
export const ALLOWED_ALGORITHMS = ['ES256', 'RS256'];
/** RFC 9068: access tokens say what they are, so an ID token or other JWT is not taken for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The token is not acceptable; `reason` is safe to show the client. */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

/** The keys could not be fetched: our failure, not the caller's (503, not 401). */
export class KeySetUnavailable extends Error {
  constructor(cause: unknown) {
    super(`verification keys unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'KeySetUnavailable';
  }
}

function reasonFor(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim "${error.claim}" is invalid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'signing algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'unknown signing key';
  return 'malformed token';
}

function toUser(payload: JWTPayload): AuthenticatedUser {
  const { sub, roles, sid } = payload;
  if (typeof sub !== 'string' || sub.length === 0) throw new TokenRejected('claim "sub" is invalid');
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
    throw new TokenRejected('claim "roles" is invalid');
  }
  if (sid !== undefined && typeof sid !== 'string') throw new TokenRejected('claim "sid" is invalid');
  return { id: sub, roles: (roles as string[] | undefined) ?? [], sessionId: sid, claims: payload };
}

/** Verifies access tokens: signature (by kid), algorithm, type, issuer, audience, expiry. */
export class TokenVerifier {
  private readonly keySet: JWTVerifyGetKey;

  constructor(private readonly options: Pick<AuthOptions, 'issuer' | 'audience' | 'keys' | 'clockToleranceSeconds'>) {
    const keys = options.keys;
    this.keySet =
      'keySet' in keys
        ? keys.keySet
        : createRemoteJWKSet(new URL(keys.jwksUrl), {
            cooldownDuration: keys.cooldownMs ?? 30_000,
            cacheMaxAge: keys.cacheMaxAgeMs ?? 10 * 60_000,
            timeoutDuration: keys.timeoutMs ?? 5_000,
          });
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    try {
      const { payload } = await jwtVerify(token, this.keySet, {
        algorithms: ALLOWED_ALGORITHMS,
        typ: ACCESS_TOKEN_TYPE,
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
      });
      return toUser(payload);
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) throw new KeySetUnavailable(error);
      if (error instanceof errors.JOSEError) throw new TokenRejected(reasonFor(error));
      // Anything else comes from fetching the key set (network, HTTP status).
      throw new KeySetUnavailable(error);
    }
  }
}
