import {
  Inject,
  Injectable,
  Logger,
  Optional,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { bindRequestLogFields } from '@ecotrack/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setBearerChallenge } from './bearer-challenge';
import { IS_PUBLIC, type AuthenticatedRequest } from './decorators';
import { SESSION_REVOCATION, type SessionRevocation } from './session-revocation';
import { KeySetUnavailable, TokenRejected, TokenVerifier } from './token-verifier';

/** Served by the platform to probes and Prometheus, which carry no tokens. */
const PLATFORM_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/** A JWT has three base64url parts; anything longer than this is not one of ours. */
const MAX_TOKEN_LENGTH = 8_192;

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header ?? '');
  return match && match[1].length <= MAX_TOKEN_LENGTH ? match[1] : undefined;
}

/**
 * Global guard: every route needs a valid access token unless it is @Public().
 * Verifies the token, then (when configured) that its session was not revoked.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    @Optional() @Inject(SESSION_REVOCATION) private readonly revocation: SessionRevocation | null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & AuthenticatedRequest>();
    if (PLATFORM_ROUTES.has(request.routeOptions?.url ?? '')) return true;
    const reply = http.getResponse<FastifyReply>();

    const authorization = request.headers.authorization;
    const token = bearerToken(authorization);
    if (!token) {
      // No credentials at all: a bare challenge (RFC 6750 §3.1).
      if (authorization === undefined) setBearerChallenge(reply);
      else setBearerChallenge(reply, 'invalid_request', 'malformed Authorization header');
      throw new UnauthorizedException(authorization === undefined ? 'bearer token required' : 'malformed Authorization header');
    }

    try {
      request.user = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejected) this.reject(reply, error.reason);
      if (error instanceof KeySetUnavailable) {
        this.logger.error(error.message);
        throw new ServiceUnavailableException('cannot verify tokens right now');
      }
      throw error;
    }

    if (this.revocation) await this.checkSession(reply, request.user.sessionId);
    // The token's subject, an opaque id: never the email or name (personal data stays out of logs).
    bindRequestLogFields({ user_id: request.user.id });
    return true;
  }

  private async checkSession(reply: FastifyReply, sessionId: string | undefined): Promise<void> {
    if (!sessionId) this.reject(reply, 'token has no session');
    let revoked: boolean;
    try {
      revoked = await this.revocation!.isRevoked(sessionId);
    } catch (error) {
      // Fail closed: a token we cannot check is not accepted.
      this.logger.error(`session check failed: ${(error as Error).message}`);
      throw new ServiceUnavailableException('cannot check the session right now');
    }
    if (revoked) this.reject(reply, 'session revoked');
  }

  private reject(reply: FastifyReply, reason: string): never {
    setBearerChallenge(reply, 'invalid_token', reason);
    throw new UnauthorizedException(reason);
  }
}
