import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { ACCESS_TOKEN_TYPE } from '@ecotrack/platform';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { UserConfig } from '../config';
import { SIGNING_ALGORITHM, SigningKeys } from './signing-keys';

export interface AccessTokenSubject {
  userId: string;
  roles: string[];
  sessionId: string;
}

/** Short-lived ES256 access tokens (RFC 9068 shape) that any service verifies with the JWKS. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: UserConfig,
    private readonly keys: SigningKeys,
  ) {}

  get lifetimeSeconds(): number {
    return this.config.JWT_ACCESS_TOKEN_TTL_SECONDS;
  }

  issue(subject: AccessTokenSubject): Promise<string> {
    const { kid, privateKey } = this.keys.current;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: subject.roles, sid: subject.sessionId })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE })
      .setSubject(subject.userId)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.lifetimeSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
  }
}
