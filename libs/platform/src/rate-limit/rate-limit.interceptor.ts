import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/decorators';
import { IP_DECISION, type RequestWithRateLimit } from './ip-rate-limit.hook';
import { RATE_LIMIT_OPTIONS, type RateLimitOptions } from './rate-limit.decorator';
import { hashApiKey, isExempt, isOverLimit, rateLimitedProblem, rateLimitHeaders, tightest, type RateLimitDecision } from './rate-limit';
import { RateLimiter } from './rate-limiter';

export const API_KEY_HEADER = 'x-api-key';

/** Whose budget a request spends: the verified user, else the (hashed) API key. */
export function callerSubject(request: AuthenticatedRequest & { headers: Record<string, string | string[] | undefined> }): string | undefined {
  if (request.user?.id) return `user:${request.user.id}`;
  const apiKey = request.headers[API_KEY_HEADER];
  return typeof apiKey === 'string' && apiKey.length > 0 ? `apikey:${hashApiKey(apiKey)}` : undefined;
}

/**
 * Per user (or API key) limit, and the tighter @RateLimit() of a route.
 *
 * An interceptor rather than a guard: Nest runs all guards before any
 * interceptor, so this always sees the user the auth guard (registered in
 * AuthModule) verified, whatever the module order. The per-IP limit already
 * ran earlier, as a Fastify onRequest hook (see ip-rate-limit.hook.ts).
 * Public routes carry no verified user (the auth guard skips them), so there
 * only the IP limit, an API key's limit and the route's own limit apply.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http' || !this.limiter.active) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithRateLimit & AuthenticatedRequest>();
    if (isExempt(request.url)) return next.handle();

    const decisions: RateLimitDecision[] = [];
    const ip = request[IP_DECISION];
    if (ip) decisions.push(ip);
    const subject = callerSubject(request);
    if (subject) {
      const user = await this.limiter.hit('user', subject, this.limiter.settings.userPerMinute);
      if (user) decisions.push(user);
    }
    const route = this.reflector.getAllAndOverride<RateLimitOptions | undefined>(RATE_LIMIT_OPTIONS, [context.getHandler(), context.getClass()]);
    if (route) {
      const scope = `${request.method}:${request.routeOptions?.url ?? request.url.split('?', 1)[0]}`;
      const decision = await this.limiter.hit('route', subject ?? `ip:${request.ip}`, route.perMinute, scope);
      if (decision) decisions.push(decision);
    }

    const reply = http.getResponse<FastifyReply>();
    const exceeded = decisions.filter(isOverLimit).sort((a, b) => b.ttlMs - a.ttlMs)[0];
    const reported = exceeded ?? tightest(decisions);
    if (reported) void reply.headers(rateLimitHeaders(reported));
    if (exceeded) {
      this.limiter.recordRejection(exceeded.kind);
      throw new HttpException(rateLimitedProblem(exceeded), 429);
    }
    return next.handle();
  }
}
