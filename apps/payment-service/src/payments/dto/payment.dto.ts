import { ApiProperty } from '@nestjs/swagger';
import type { Payment, PaymentStatus } from '../payment.entity';

export class PaymentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ enum: ['stripe', 'paypal'] }) provider: 'stripe' | 'paypal';
  @ApiProperty({ enum: ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'] }) status: PaymentStatus;
  @ApiProperty() amountCents: number;
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'The provider payment object (Stripe PaymentIntent, PayPal order)' }) providerReference: string;
  @ApiProperty({ nullable: true, type: String }) authorizationReference: string | null;
  @ApiProperty({ nullable: true, type: String }) captureReference: string | null;
  @ApiProperty({ nullable: true, type: String }) refundReference: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;

  static of(payment: Payment): PaymentDto {
    return {
      id: payment.id,
      orderId: payment.orderId,
      provider: payment.provider,
      status: payment.status,
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
