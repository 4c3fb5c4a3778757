import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';
import { isExempt, isOverLimit, rateLimitedProblem, rateLimitHeaders, type RateLimitDecision } from './rate-limit';
import type { RateLimiter } from './rate-limiter';

/** Where the hook leaves its decision for the interceptor (which picks the tightest for the headers). */
export const IP_DECISION = Symbol('ecotrack:rate-limit:ip');

export type RequestWithRateLimit = FastifyRequest & { [IP_DECISION]?: RateLimitDecision };

/**
 * Per client IP limit as a Fastify onRequest hook, not a Nest guard: it runs
 * before body parsing and before the auth guard, so a flood is turned away at
 * the cheapest point and unauthenticated clients (who never reach a user
 * limit) are bounded too. `request.ip` honours X-Forwarded-For only when
 * TRUST_PROXY says the proxy in front is trusted.
 */
export function installIpRateLimit(fastify: FastifyInstance, limiter: RateLimiter): void {
  if (!limiter.active) return;
  fastify.addHook('onRequest', async (request: RequestWithRateLimit, reply: FastifyReply) => {
    if (isExempt(request.url)) return;
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
