import { Inject, Injectable } from '@nestjs/common';
import { preparedCounter } from '@ecotrack/platform';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { Counter, Registry } from 'prom-client';

/** ecotrack_order_quotes_total{currency}: baskets priced over POST /v1/quotes; orders placed / quotes is the conversion proxy. */
@Injectable()
export class QuoteMetrics {
  private readonly quotes: Counter<'currency'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.quotes = preparedCounter(registry, { name: 'ecotrack_order_quotes_total', help: 'Quotes served (POST /v1/quotes), by currency', labelNames: ['currency'] });
  }

  countQuote(currency: string): void {
    this.quotes.inc({ currency });
  }
}
