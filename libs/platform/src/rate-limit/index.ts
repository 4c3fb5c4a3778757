export { installIpRateLimit } from './ip-rate-limit.hook';
export { RateLimit, RATE_LIMIT_OPTIONS, type RateLimitOptions } from './rate-limit.decorator';
export { API_KEY_HEADER, callerSubject, RateLimitInterceptor } from './rate-limit.interceptor';
export { RateLimiter, type RateLimitSettings } from './rate-limiter';
export {
  hashApiKey,
  isExempt,
  RATE_LIMITED_PROBLEM_TYPE,
  rateLimitHeaders,
  rateLimitKey,
  resetSeconds,
  type LimitKind,
  type RateLimitDecision,
} from './rate-limit';
