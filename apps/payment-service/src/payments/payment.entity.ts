import { numericTransformer } from '@ecotrack/core';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type PaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | 'REFUNDED' | 'FAILED';

/**
 * A payment as the gateway knows it. Card data never reaches us: only the provider's references.
 * The provider references stay in the clear: they are what webhooks find the payment by, and are
 * unique per provider, and transit ciphertext is randomized (neither lookup would work on it); they
 * name objects only the provider, with our API key, can open.
 * A VOIDED row without provider, amount and currency is a tombstone: the saga voided the payment
 * before it was ever authorized (a late AuthorizePayment is refused). A FAILED row has no provider
 * reference when the provider declined or never answered.
 */
@Entity({ name: 'payments' })
export class Payment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  /** The customer, for payments the order saga made (PaymentCaptured/PaymentRefunded name them); null over the admin API. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** Null only on a tombstone. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  provider: 'stripe' | 'paypal' | null;

  /** Null on a tombstone and on a failed authorization. */
  @Column({ name: 'provider_reference', type: 'varchar', length: 128, nullable: true })
  providerReference: string | null;

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

  /**
   * Why the authorization failed (FAILED), or why the provider refused the last capture: the
   * provider's decline message about the payer's card or account, so encrypted with transit key
   * payment-fields (`vault:vN:...`). PaymentFields encrypts and decrypts; see PaymentRecord.
   */
  @Column({ name: 'failure_reason_ciphertext', type: 'text', nullable: true })
  failureReasonCiphertext: string | null;

  /**
   * The plaintext column of before (migration 1765000000000): NULL on every row this version
   * writes; a value left here is encrypted and removed by the field-key job. To be dropped.
   */
  @Column({ name: 'failure_reason', type: 'varchar', length: 500, nullable: true })
  legacyFailureReason: string | null;

  /** What the payer paid with (card brand and last 4, PayPal account), as JSON, encrypted with payment-fields. */
  @Column({ name: 'payment_method_ciphertext', type: 'text', nullable: true })
  paymentMethodCiphertext: string | null;

  /** Null only on a tombstone. */
  @Column({ name: 'amount_cents', type: 'bigint', transformer: numericTransformer, nullable: true })
  amountCents: number | null;

  /** Null only on a tombstone. */
  @Column({ type: 'char', length: 3, nullable: true })
  currency: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
