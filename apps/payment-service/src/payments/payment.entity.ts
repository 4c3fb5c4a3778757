import { numericTransformer } from '@ecotrack/platform';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type PaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | 'REFUNDED' | 'FAILED';

/** A payment as the gateway knows it. Card data never reaches us: only the provider's references. */
@Entity({ name: 'payments' })
export class Payment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ type: 'varchar', length: 16 })
  provider: 'stripe' | 'paypal';

  @Column({ name: 'provider_reference', type: 'varchar', length: 128 })
  providerReference: string;

  /** What capture and void act on (Stripe: the PaymentIntent, PayPal: the authorization). */
  @Column({ name: 'authorization_reference', type: 'varchar', length: 128, nullable: true })
  authorizationReference: string | null;

  /** What a refund acts on (Stripe: the PaymentIntent, PayPal: the capture). */
  @Column({ name: 'capture_reference', type: 'varchar', length: 128, nullable: true })
  captureReference: string | null;

  @Column({ name: 'refund_reference', type: 'varchar', length: 128, nullable: true })
  refundReference: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: PaymentStatus;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: numericTransformer })
  amountCents: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
