import { Injectable, UnauthorizedException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { catchError, type Observable, throwError } from 'rxjs';

/**
 * RFC 6750 §3: a 401 names the scheme; `error` only when a token was presented.
 * The description is one of our fixed reasons, never client input.
 */
export function setBearerChallenge(reply: FastifyReply, error?: 'invalid_token' | 'invalid_request', description?: string): void {
  const params = ['realm="ecotrack"'];
  if (error) params.push(`error="${error}"`);
  if (description) params.push(`error_description="${description.replace(/["\\]/g, '')}"`);
  void reply.header('www-authenticate', `Bearer ${params.join(', ')}`);
}

/**
 * Handlers that answer 401 themselves (wrong password, bad refresh token) get the
 * same challenge header as the guard's 401s: the problem filter sets no headers.
 */
@Injectable()
export class BearerChallengeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof UnauthorizedException && context.getType() === 'http') {
          const reply = context.switchToHttp().getResponse<FastifyReply>();
          if (!reply.hasHeader('www-authenticate')) setBearerChallenge(reply);
        }
        return throwError(() => error);
      }),
    );
  }
}
