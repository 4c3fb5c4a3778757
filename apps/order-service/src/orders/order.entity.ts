import { numericTransformer } from '@ecotrack/platform';
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
