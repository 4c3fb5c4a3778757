import { ApiProperty } from '@nestjs/swagger';
import type { Payment, PaymentStatus } from '../payment.entity';

export class PaymentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The customer, for payments made by the order saga' }) userId: string | null;
  @ApiProperty({ enum: ['stripe', 'paypal'], nullable: true, description: 'Null only on a tombstone (voided before any authorization)' })
  provider: 'stripe' | 'paypal' | null;
  @ApiProperty({ enum: ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'] }) status: PaymentStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why the authorization failed, or why the provider refused a capture' })
  failureReason: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Minor units; null only on a tombstone' }) amountCents: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Null only on a tombstone' }) currency: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The provider payment object (Stripe PaymentIntent, PayPal order); null if never authorized' })
  providerReference: string | null;
  @ApiProperty({ nullable: true, type: String }) authorizationReference: string | null;
  @ApiProperty({ nullable: true, type: String }) captureReference: string | null;
  @ApiProperty({ nullable: true, type: String }) refundReference: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;

  static of(payment: Payment): PaymentDto {
    return {
      id: payment.id,
      orderId: payment.orderId,
      userId: payment.userId,
      provider: payment.provider,
      status: payment.status,
      failureReason: payment.failureReason,
      amountCents: payment.amountCents,
      currency: payment.currency,
      providerReference: payment.providerReference,
      authorizationReference: payment.authorizationReference,
      captureReference: payment.captureReference,
      refundReference: payment.refundReference,
      createdAt: payment.createdAt.toISOString(),
      updatedAt: payment.updatedAt.toISOString(),
    };
  }
}
