import { Inject, Injectable } from '@nestjs/common';
import { afterCommit, everySeries, preparedCounter } from '@ecotrack/platform';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { Counter, Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';

/** verified: an account's address became verified; invalid_token: unknown or expired token (a used one is a replay: not counted). */
export const VERIFICATION_OUTCOMES = ['verified', 'invalid_token'] as const;
export type VerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];

/**
 * ecotrack_user_registrations_total and ecotrack_user_email_verifications_total{outcome}: an
 * account counts when its transaction commits (a replayed registration creates none), a
 * verification when the account's address changed to verified (a second click changes nothing).
 */
@Injectable()
export class AccountMetrics {
  private readonly registrations: Counter;
  private readonly verifications: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.registrations = preparedCounter(registry, { name: 'ecotrack_user_registrations_total', help: 'Accounts created' });
    this.verifications = preparedCounter(registry, {
      name: 'ecotrack_user_email_verifications_total',
      help: 'Email verification attempts by outcome (verified, invalid_token: unknown or expired)',
      labelNames: ['outcome'],
      series: everySeries({ outcome: VERIFICATION_OUTCOMES }),
    });
  }

  countRegistration(): void {
    this.registrations.inc();
  }

  countVerified(tx: EntityManager): void {
    afterCommit(tx, () => this.verifications.inc({ outcome: 'verified' }));
  }

  countInvalidToken(): void {
    this.verifications.inc({ outcome: 'invalid_token' });
  }
}
