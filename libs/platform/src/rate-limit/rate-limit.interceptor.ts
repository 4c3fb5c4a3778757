import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/decorators';
import { INTERNAL_CALLER, IP_DECISION, type RequestWithRateLimit } from './ip-rate-limit.hook';
import { RATE_LIMIT_OPTIONS, type FailureBackoff, type RateLimitKey, type RouteRateLimit } from './rate-limit.decorator';
import { accountDigest, isExempt, isOverLimit, rateLimitedProblem, rateLimitHeaders, resetSeconds, tightest, type LimitKind, type RateLimitDecision } from './rate-limit';
import { RateLimiter } from './rate-limiter';

type LimitedRequest = RequestWithRateLimit & AuthenticatedRequest;

/**
 * Whose budget a request spends: the verified user. Nothing a client merely claims
 * (an X-API-Key header, say) picks a budget: that would let anyone mint fresh ones.
 */
export function callerSubject(request: AuthenticatedRequest): string | undefined {
  return request.user?.id ? `user:${request.user.id}` : undefined;
}

/** The counter a route limit uses for this request, or undefined when the request names no such key. */
function routeSubject(per: RateLimitKey, request: LimitedRequest): { kind: LimitKind; subject: string } | undefined {
  if (per === 'ip') return { kind: 'route', subject: `ip:${request.ip}` };
  if (per === 'caller') return { kind: 'route', subject: callerSubject(request) ?? `ip:${request.ip}` };
  const account = per.of(request);
  return account === undefined ? undefined : { kind: 'account', subject: `${per.account}:${accountDigest(account)}` };
}

const statusOf = (error: unknown) => (error instanceof HttpException ? error.getStatus() : 500);

/**
 * Per user limit, the tighter @RateLimit()s of a route, and the backoff of repeated failures.
 *
 * An interceptor rather than a guard: Nest runs all guards before any
 * interceptor, so this always sees the user the auth guard (registered in
 * AuthModule) verified, whatever the module order; and it sees how the handler
 * ended, which a backoff counts. The per-IP limit already ran earlier, as a
 * Fastify onRequest hook (see ip-rate-limit.hook.ts), which also recognised our
 * own services' calls: they spend only their calling service's budget.
 * Public routes carry no verified user (the auth guard skips them), so there
 * only the IP limit and the route's own limits apply.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http' || !this.limiter.active) return next.handle();
    const request = context.switchToHttp().getRequest<LimitedRequest>();
    if (isExempt(request.url)) return next.handle();
    const internal = request[INTERNAL_CALLER];
    if (internal) return this.limitInternal(internal, context, next);
    const limits = this.limitsOf(context);
    // An anonymous request on a route without limits of its own spends only its IP budget,
    // which the onRequest hook already counted, announced and enforced: nothing to wait for.
    if (!callerSubject(request) && limits.length === 0) return next.handle();
    return this.limitCaller(request, limits, context, next);
  }

  private limitsOf(context: ExecutionContext): RouteRateLimit[] {
    return this.reflector.getAllAndOverride<RouteRateLimit[] | undefined>(RATE_LIMIT_OPTIONS, [context.getHandler(), context.getClass()]) ?? [];
  }

  private async limitInternal(caller: string, context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const perMinute = this.limiter.settings.internalPerMinute;
    const decision = perMinute > 0 ? await this.limiter.hit('service', caller, perMinute) : undefined;
    this.enforce(context.switchToHttp().getResponse<FastifyReply>(), decision ? [decision] : []);
    return next.handle();
  }

  private async limitCaller(request: LimitedRequest, limits: RouteRateLimit[], context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const decisions: RateLimitDecision[] = [];
    const ip = request[IP_DECISION];
    if (ip) decisions.push(ip);
    const user = callerSubject(request);
    if (user) decisions.push(...present(await this.limiter.hit('user', user, this.limiter.settings.userPerMinute)));

    const scope = `${request.method}:${request.routeOptions?.url ?? request.url.split('?', 1)[0]}`;
    const accounts: string[] = [];
    const backoffs: Array<{ subject: string; backoff: FailureBackoff }> = [];
    let wait: RateLimitDecision | undefined;
    for (const limit of limits) {
      const key = routeSubject(limit.per ?? 'caller', request);
      if (!key) continue;
      decisions.push(...present(await this.limiter.hit(key.kind, key.subject, limit.perMinute, scope)));
      if (key.kind === 'account') accounts.push(key.subject);
      if (limit.backoff) {
        backoffs.push({ subject: key.subject, backoff: limit.backoff });
        wait = (await this.limiter.waiting(scope, key.subject)) ?? wait;
      }
    }

    this.enforce(reply, decisions, wait);
    if (accounts.length === 0 && backoffs.length === 0) return next.handle();
    // The outcome is recorded before the answer leaves, so the very next attempt already sees it.
    return next.handle().pipe(
      mergeMap(async (value) => {
        await Promise.all(backoffs.map(({ subject }) => this.limiter.forgetFailures(scope, subject)));
        return value;
      }),
      catchError((error: unknown) => from(this.failed(scope, statusOf(error), accounts, backoffs)).pipe(mergeMap(() => throwError(() => error)))),
    );
  }

  /**
   * A failure the backoff counts is recorded. A request refused as invalid (400) never reached
   * the account, so it gives back what it took of the account's budget: garbage naming an
   * account spends only the sender's own IP budget, not the account owner's.
   */
  private async failed(scope: string, status: number, accounts: string[], backoffs: Array<{ subject: string; backoff: FailureBackoff }>): Promise<void> {
    const counted = backoffs.filter(({ backoff }) => backoff.failureStatuses.includes(status));
    await Promise.all([
      ...counted.map(({ subject, backoff }) => this.limiter.recordFailure(scope, subject, backoff)),
      ...(status === 400 ? accounts.map((subject) => this.limiter.refund('account', subject, scope)) : []),
    ]);
  }

  /** Sets the RateLimit headers of the tightest budget; 429 when one is exceeded or a backoff wait is running. */
  private enforce(reply: FastifyReply, decisions: RateLimitDecision[], wait?: RateLimitDecision): void {
    const exceeded = decisions.filter(isOverLimit).sort((a, b) => b.ttlMs - a.ttlMs)[0];
    const reported = exceeded ?? tightest(decisions);
    if (reported) void reply.headers(rateLimitHeaders(reported));
    const refusal = wait ?? exceeded;
    if (!refusal) return;
    if (wait) void reply.header('Retry-After', String(Math.max(resetSeconds(wait), exceeded ? resetSeconds(exceeded) : 0)));
    this.limiter.recordRejection(refusal.kind);
    throw new HttpException(rateLimitedProblem(refusal), 429);
  }
}

const present = <T>(value: T | undefined): T[] => (value === undefined ? [] : [value]);
