import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { randomUUID } from 'node:crypto';
import { AccountsService } from '../accounts/accounts.service';
import type { User } from '../accounts/user.entity';
import type { UserConfig } from '../config';
import { AccessTokenIssuer } from '../keys/access-token.issuer';
import type { TokenPairDto } from './dto/token-pair.dto';
import { hashRefreshToken, newRefreshToken, sessionOf } from './refresh-token';
import { openRetryAnswer, sealRetryAnswer } from './retry-answer';
import { SessionStore } from './session.store';

@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

  constructor(
    @Inject(APP_CONFIG) private readonly config: UserConfig,
    private readonly accounts: AccountsService,
    private readonly store: SessionStore,
    private readonly tokens: AccessTokenIssuer,
  ) {}

  async login(email: string, password: string): Promise<TokenPairDto> {
    const user = await this.accounts.verifyCredentials(email, password);
    // One message for unknown email and wrong password: no account probing.
    if (!user) throw new UnauthorizedException('invalid email or password');
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken(sessionId);
    await this.store.create(sessionId, user.id, hashRefreshToken(refreshToken), this.config.SESSION_TTL_SECONDS);
    return this.pair(user, sessionId, refreshToken);
  }

  /**
   * Single-use refresh tokens: each use retires the token; a retired one coming back ends the
   * session. Except just after its use: a client (or proxy) that retries a refresh whose answer
   * it lost would otherwise be logged out. Within REFRESH_RETRY_WINDOW_SECONDS the same token
   * gets the same pair again, kept only encrypted under a key derived from that token.
   * The new pair is made before the rotation so that the rotation can store it atomically:
   * a concurrent second use finds it, never a half-rotated session.
   */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const sessionId = sessionOf(refreshToken);
    if (!sessionId) throw new UnauthorizedException('invalid refresh token');
    const userId = await this.store.userOf(sessionId);
    if (!userId) throw new UnauthorizedException('invalid refresh token');
    // Roles are read again, so a role change takes effect at the next refresh.
    const user = await this.accounts.get(userId).catch(() => undefined);
    if (!user) {
      await this.store.revoke(sessionId);
      throw new UnauthorizedException('invalid refresh token');
    }
    const next = await this.pair(user, sessionId, newRefreshToken(sessionId));
    const rotation = await this.store.rotate(
      sessionId,
      hashRefreshToken(refreshToken),
      hashRefreshToken(next.refreshToken),
      sealRetryAnswer(next, refreshToken, sessionId),
      this.config.REFRESH_RETRY_WINDOW_SECONDS * 1000,
    );
    switch (rotation.outcome) {
      case 'rotated':
        return next;
      case 'retried':
        return openRetryAnswer(rotation.answer, refreshToken, sessionId);
      case 'reused':
        this.logger.warn({ sessionId }, 'refresh token reuse detected: session revoked');
        throw new UnauthorizedException('refresh token reuse detected; the session has been revoked');
      default:
        throw new UnauthorizedException('invalid refresh token');
    }
  }

  logout(sessionId: string): Promise<void> {
    return this.store.revoke(sessionId);
  }

  private async pair(user: User, sessionId: string, refreshToken: string): Promise<TokenPairDto> {
    const accessToken = await this.tokens.issue({ userId: user.id, roles: user.roles, sessionId });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.tokens.lifetimeSeconds };
  }
}
