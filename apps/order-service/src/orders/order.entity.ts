import { numericTransformer } from '@ecotrack/core';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrderStatus } from './order-status';

export type { OrderStatus } from './order-status';

@Entity({ name: 'orders' })
export class Order {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  @Column({ type: 'varchar', length: 16 })
  status: OrderStatus;

  /** Money in minor units (cents), taken from product-service, never from the client. */
  @Column({ name: 'total_cents', type: 'bigint', transformer: numericTransformer })
  totalCents: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'carbon_kg_co2e', type: 'numeric', precision: 12, scale: 3, transformer: numericTransformer })
  carbonKgCo2e: number;

  /** The saga's ids: the stock reservation and the payment this order holds (see orders/saga). */
  @Column({ name: 'reservation_id', type: 'uuid', nullable: true })
  reservationId: string | null;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @Column({ name: 'payment_provider', type: 'varchar', length: 16, nullable: true })
  paymentProvider: 'stripe' | 'paypal' | null;

  /** Why the saga rejected the order (out of stock, card declined, a step timed out). */
  @Column({ name: 'rejection_reason', type: 'varchar', length: 500, nullable: true })
  rejectionReason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
