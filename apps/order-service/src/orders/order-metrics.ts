import { Inject, Injectable } from '@nestjs/common';
import { everySeries, preparedCounter } from '@ecotrack/platform';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { Counter, Registry } from 'prom-client';
import type { OrderFigures } from './order-status';

/** Why orders are rejected, as a bounded label (the reason text itself is on the order). */
export const REJECTION_REASON_CLASSES = ['out_of_stock', 'payment_declined', 'timeout', 'other'] as const;
export type RejectionReasonClass = (typeof REJECTION_REASON_CLASSES)[number];

/**
 * The class of a saga's rejection reason. The reasons are the participants' reply texts
 * (product-service: "out of stock: <product>"; payment-service: "payment declined (...)", "payment
 * refused by the provider (...)") and the saga's own "<step> timed out"; anything else (unknown
 * product, provider unavailable, a cancelled payment) is `other`.
 */
export function rejectionReasonClass(reason: string): RejectionReasonClass {
  if (reason.startsWith('out of stock')) return 'out_of_stock';
  if (reason.startsWith('payment declined') || reason.startsWith('payment refused by the provider')) return 'payment_declined';
  if (reason.endsWith(' timed out')) return 'timeout';
  return 'other';
}

/**
 * ecotrack_orders_*, ecotrack_revenue_minor_units_total and ecotrack_carbon_footprint_sold_kilograms_total.
 * Each is counted once, when the fact has committed: placed after the order's transaction (not
 * for an idempotent replay), confirmed, rejected and cancelled after the transaction that moved
 * the order (a saga's ending that arrives twice moves it once; see transitionOrder).
 */
@Injectable()
export class OrderMetrics {
  private readonly placed: Counter<'currency'>;
  private readonly confirmed: Counter<'currency'>;
  private readonly rejected: Counter<'reason_class'>;
  private readonly cancelled: Counter<'currency'>;
  private readonly revenue: Counter<'currency'>;
  private readonly carbonSold: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const byCurrency = ['currency'] as const;
    this.placed = preparedCounter(registry, { name: 'ecotrack_orders_placed_total', help: 'Orders accepted (idempotent replays not counted)', labelNames: byCurrency });
    this.confirmed = preparedCounter(registry, { name: 'ecotrack_orders_confirmed_total', help: 'Orders confirmed: stock held and payment captured', labelNames: byCurrency });
    this.rejected = preparedCounter(registry, {
      name: 'ecotrack_orders_rejected_total',
      help: 'Orders rejected by the create-order saga, by reason class (out_of_stock, payment_declined, timeout, other)',
      labelNames: ['reason_class'],
      series: everySeries({ reason_class: REJECTION_REASON_CLASSES }),
    });
    this.cancelled = preparedCounter(registry, { name: 'ecotrack_orders_cancelled_total', help: 'Confirmed orders cancelled (refunded and restocked)', labelNames: byCurrency });
    this.revenue = preparedCounter(registry, {
      name: 'ecotrack_revenue_minor_units_total',
      help: 'Totals of confirmed orders in minor units of their currency (cents)',
      labelNames: byCurrency,
    });
    this.carbonSold = preparedCounter(registry, { name: 'ecotrack_carbon_footprint_sold_kilograms_total', help: 'Carbon footprint of the items of confirmed orders, kg CO2e' });
  }

  countPlaced(currency: string): void {
    this.placed.inc({ currency });
  }

  countConfirmed(order: OrderFigures): void {
    this.confirmed.inc({ currency: order.currency });
    this.revenue.inc({ currency: order.currency }, order.totalCents);
    this.carbonSold.inc(order.carbonKgCo2e);
  }

  countRejected(reason: string): void {
    this.rejected.inc({ reason_class: rejectionReasonClass(reason) });
  }

  countCancelled(order: OrderFigures): void {
    this.cancelled.inc({ currency: order.currency });
  }
}
