import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';
import { isExempt, isOverLimit, rateLimitedProblem, rateLimitHeaders, type RateLimitDecision } from './rate-limit';
import type { RateLimiter } from './rate-limiter';

/** Where the hook leaves its decision for the interceptor (which picks the tightest for the headers). */
export const IP_DECISION = Symbol('ecotrack:rate-limit:ip');
/** The calling service, when the request is one of our own services' (see internal-calls/). */
export const INTERNAL_CALLER = Symbol('ecotrack:rate-limit:internal-caller');

export type RequestWithRateLimit = FastifyRequest & { [IP_DECISION]?: RateLimitDecision; [INTERNAL_CALLER]?: string };

/** Names the service that made a request, or undefined for a client. */
export type InternalCallerOf = (headers: FastifyRequest['headers']) => string | undefined;

/**
 * Per client IP limit as a Fastify onRequest hook, not a Nest guard: it runs
 * before body parsing and before the auth guard, so a flood is turned away at
 * the cheapest point and unauthenticated clients (who never reach a user
 * limit) are bounded too. `request.ip` honours X-Forwarded-For only when
 * TRUST_PROXY says the proxy in front is trusted.
 *
 * Our own services' calls spend no client's budget: in the mesh they carry no
 * X-Forwarded-For, locally they come from 127.0.0.1 like every client, so by IP
 * they would share one budget with the clients (and exhaust it for everyone).
 * They are recognised first and counted per calling service instead (interceptor).
 */
export function installIpRateLimit(fastify: FastifyInstance, limiter: RateLimiter, internalCallerOf: InternalCallerOf): void {
  if (!limiter.active) return;
  fastify.addHook('onRequest', async (request: RequestWithRateLimit, reply: FastifyReply) => {
    if (isExempt(request.url)) return;
    const caller = internalCallerOf(request.headers);
    if (caller) {
      request[INTERNAL_CALLER] = caller;
      return;
    }
    const decision = await limiter.hit('ip', request.ip, limiter.settings.ipPerMinute);
    if (!decision) return;
    request[IP_DECISION] = decision;
    void reply.headers(rateLimitHeaders(decision));
    if (isOverLimit(decision)) {
      limiter.recordRejection('ip');
      return reply.code(429).header('content-type', PROBLEM_CONTENT_TYPE).send(rateLimitedProblem(decision, request.url));
    }
  });
}
