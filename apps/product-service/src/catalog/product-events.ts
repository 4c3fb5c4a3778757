import { Injectable } from '@nestjs/common';
import { OutboxWriter, topics } from '@ecotrack/events';
import type { EntityManager } from 'typeorm';

export interface StockLevel {
  productId: string;
  /** Units available after the change (products.stock). */
  available: number;
}

/**
 * The facts product-service announces on product.events, written into the
 * outbox IN THE TRANSACTION OF THE CHANGE (`tx` must be that transaction):
 * the event exists exactly when the change does. Keyed by product id, so one
 * product's events stay in the order its changes committed (each change holds
 * the product row's lock until it commits, and outbox positions follow).
 */
@Injectable()
export class ProductEvents {
  constructor(private readonly outbox: OutboxWriter) {}

  /** One StockChanged per product whose available stock changed. */
  async stockChanged(tx: EntityManager, levels: StockLevel[]): Promise<void> {
    for (const { productId, available } of levels) {
      await this.outbox.write(tx, { topic: topics.product.events, type: 'StockChanged', aggregateId: productId, payload: { productId, available } });
    }
  }

  async priceChanged(tx: EntityManager, change: { productId: string; priceCents: number; currency: string }): Promise<void> {
    await this.outbox.write(tx, { topic: topics.product.events, type: 'ProductPriceChanged', aggregateId: change.productId, payload: change });
  }
}
