import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { everySeries, preparedCounter } from '@ecotrack/platform';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Registry } from 'prom-client';

/**
 * How a login ended, as the client saw it: success (201, a session), invalid_credentials (401,
 * unknown email or wrong password: one outcome, as the answer is one), rate_limited (429: the
 * login route's limits per client IP and per email, or the wait earlier failures imposed).
 * Anything else (400 invalid body, 5xx) is no login attempt and is not counted.
 */
export const LOGIN_OUTCOMES = ['success', 'invalid_credentials', 'rate_limited'] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

const OUTCOME_OF_STATUS: Readonly<Record<number, LoginOutcome>> = { 201: 'success', 401: 'invalid_credentials', 429: 'rate_limited' };

export function loginOutcome(status: number): LoginOutcome | undefined {
  return OUTCOME_OF_STATUS[status];
}

/** ecotrack_user_logins_total{outcome}: see CountLoginOutcomes for where it is counted. */
@Injectable()
export class LoginMetrics {
  private readonly logins: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.logins = preparedCounter(registry, {
      name: 'ecotrack_user_logins_total',
      help: 'Login attempts by outcome (success, invalid_credentials, rate_limited)',
      labelNames: ['outcome'],
      series: everySeries({ outcome: LOGIN_OUTCOMES }),
    });
  }

  /** The answer of POST /v1/sessions with this status; no login attempt (400, 5xx) counts nothing. */
  countAnswer(status: number): void {
    const outcome = loginOutcome(status);
    if (outcome) this.logins.inc({ outcome });
  }
}

/**
 * Counts logins from the answer of POST /v1/sessions: the rate limits refuse a login before the
 * handler runs (in the global interceptor), so only the answer sees every outcome. Applied to
 * that route only (SessionsModule).
 */
@Injectable()
export class CountLoginOutcomes implements NestMiddleware {
  constructor(private readonly metrics: LoginMetrics) {}

  use(_request: IncomingMessage, response: ServerResponse, next: () => void): void {
    response.once('finish', () => this.metrics.countAnswer(response.statusCode));
    next();
  }
}
