import { Inject, Injectable } from '@nestjs/common';
import { afterCommit, everySeries, preparedCounter } from '@ecotrack/platform';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import { Histogram, type Counter, type Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { PaymentGatewayError, type PaymentProvider } from '../providers/payment-gateway';
import type { PaymentOperation } from './payment.errors';

const PROVIDERS: readonly PaymentProvider[] = ['stripe', 'paypal'];
export type GatewayOperation = PaymentOperation | 'authorize';
const OPERATIONS: readonly GatewayOperation[] = ['authorize', 'capture', 'void', 'refund'];
/** succeeded: done and recorded; declined: the provider said no (the payer's instrument, or our request); failed: error or unreachable. */
export type PaymentOutcome = 'succeeded' | 'declined' | 'failed';
const OUTCOMES: readonly PaymentOutcome[] = ['succeeded', 'declined', 'failed'];

/** The outcome a gateway error stands for. */
export function failureOutcome(error: unknown): Exclude<PaymentOutcome, 'succeeded'> {
  return error instanceof PaymentGatewayError && error.kind !== 'unavailable' ? 'declined' : 'failed';
}

/**
 * ecotrack_payments_total{provider, operation, outcome}, ecotrack_refunded_minor_units_total{provider,
 * currency} and ecotrack_payment_provider_request_duration_seconds{provider, operation}.
 * A success counts once its record has committed (a rolled-back transaction's retry asks the
 * provider again under the same idempotency key: one payment, one count); a decline or failure
 * counts per provider call that gave it. An operation answered from the stored payment (a resent
 * saga command) makes no call and counts nothing.
 */
@Injectable()
export class PaymentMetrics {
  private readonly payments: Counter<'provider' | 'operation' | 'outcome'>;
  private readonly refunded: Counter<'provider' | 'currency'>;
  private readonly duration: Histogram<'provider' | 'operation'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.payments = preparedCounter(registry, {
      name: 'ecotrack_payments_total',
      help: 'Payment operations at the providers by outcome (succeeded, declined: the provider said no, failed: error or unreachable)',
      labelNames: ['provider', 'operation', 'outcome'],
      series: everySeries({ provider: PROVIDERS, operation: OPERATIONS, outcome: OUTCOMES }),
    });
    this.refunded = preparedCounter(registry, {
      name: 'ecotrack_refunded_minor_units_total',
      help: 'Amounts refunded, in minor units of their currency (cents)',
      labelNames: ['provider', 'currency'],
    });
    this.duration = new Histogram({
      name: 'ecotrack_payment_provider_request_duration_seconds',
      help: 'Duration of a payment gateway operation (with the adapter retries inside it)',
      labelNames: ['provider', 'operation'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    for (const labels of everySeries({ provider: PROVIDERS, operation: OPERATIONS })) this.duration.zero(labels as { provider: string; operation: string });
  }

  /** Times one gateway call and counts its decline or failure; the caller counts the success (countSucceeded). */
  async call<T>(provider: PaymentProvider, operation: GatewayOperation, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } catch (error) {
      this.payments.inc({ provider, operation, outcome: failureOutcome(error) });
      throw error;
    } finally {
      this.duration.observe({ provider, operation }, (performance.now() - started) / 1000);
    }
  }

  /** A successful operation, counted when `manager`'s transaction commits (with the amount, for a refund). */
  countSucceeded(manager: EntityManager, provider: PaymentProvider, operation: GatewayOperation, amount: { amountCents: number; currency: string }): void {
    afterCommit(manager, () => {
      this.payments.inc({ provider, operation, outcome: 'succeeded' });
      if (operation === 'refund') this.refunded.inc({ provider, currency: amount.currency }, amount.amountCents);
    });
  }
}
