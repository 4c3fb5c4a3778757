import { numericTransformer } from '@ecotrack/core';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One line of an order, priced by product-service when the order was placed. */
@Entity({ name: 'order_lines' })
export class OrderLine {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  /** Position in the basket as sent (1-based); the same product may appear on two lines. */
  @PrimaryColumn({ name: 'line_no', type: 'smallint' })
  lineNo: number;

  @Column({ name: 'product_id', type: 'uuid' })
  productId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'integer' })
  quantity: number;

  @Column({ name: 'unit_price_cents', type: 'integer' })
  unitPriceCents: number;

  @Column({ name: 'line_total_cents', type: 'bigint', transformer: numericTransformer })
  lineTotalCents: number;

  @Column({ name: 'carbon_kg_co2e', type: 'numeric', precision: 12, scale: 3, transformer: numericTransformer })
  carbonKgCo2e: number;
}
