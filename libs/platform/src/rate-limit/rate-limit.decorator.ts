import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_OPTIONS = 'ecotrack:rate-limit';

export interface RateLimitOptions {
  /** Requests per minute for this route, per user (or API key, or client IP when anonymous). */
  perMinute: number;
}

/**
 * Tightens the limit of one route (or controller), e.g. login. It comes on top
 * of the service-wide IP and user limits, which still apply.
 */
export const RateLimit = (options: RateLimitOptions) => {
  if (!Number.isInteger(options.perMinute) || options.perMinute < 1) throw new Error('@RateLimit: perMinute must be a positive integer');
  return SetMetadata(RATE_LIMIT_OPTIONS, options);
};
