export { installIpRateLimit, type InternalCallerOf } from './ip-rate-limit.hook';
export { bodyField, RateLimit, RATE_LIMIT_OPTIONS, type AccountKey, type FailureBackoff, type RateLimitKey, type RouteRateLimit } from './rate-limit.decorator';
export { callerSubject, RateLimitInterceptor } from './rate-limit.interceptor';
export { RateLimiter, type RateLimitSettings } from './rate-limiter';
export {
  accountDigest,
  isExempt,
  RATE_LIMITED_PROBLEM_TYPE,
  rateLimitHeaders,
  rateLimitKey,
  resetSeconds,
  type LimitKind,
  type RateLimitDecision,
} from './rate-limit';
