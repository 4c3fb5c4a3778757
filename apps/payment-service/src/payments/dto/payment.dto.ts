import { ApiProperty } from '@nestjs/swagger';
import type { PaymentRecord } from '../payment-fields';
import type { PaymentStatus } from '../payment.entity';

/** What the payer paid with, as a receipt shows it; never a card number. */
export class PaymentMethodDto {
  @ApiProperty({ enum: ['card', 'paypal'] }) type: 'card' | 'paypal';
  @ApiProperty({ required: false, example: 'visa', description: 'Card brand (type card)' }) brand?: string;
  @ApiProperty({ required: false, example: '4242', description: 'Last 4 digits of the card (type card)' }) last4?: string;
  @ApiProperty({ required: false, example: 'payer@example.org', description: 'The PayPal account (type paypal)' }) email?: string;
}

export class PaymentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The customer, for payments made by the order saga' }) userId: string | null;
  @ApiProperty({ enum: ['stripe', 'paypal'], nullable: true, description: 'Null only on a tombstone (voided before any authorization)' })
  provider: 'stripe' | 'paypal' | null;
  @ApiProperty({ enum: ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'] }) status: PaymentStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why the authorization failed, or why the provider refused a capture' })
  failureReason: string | null;
  @ApiProperty({ nullable: true, type: PaymentMethodDto, description: 'When the provider told it at authorization (stored encrypted)' })
  paymentMethod: PaymentMethodDto | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Minor units; null only on a tombstone' }) amountCents: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Null only on a tombstone' }) currency: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The provider payment object (Stripe PaymentIntent, PayPal order); null if never authorized' })
  providerReference: string | null;
  @ApiProperty({ nullable: true, type: String }) authorizationReference: string | null;
  @ApiProperty({ nullable: true, type: String }) captureReference: string | null;
  @ApiProperty({ nullable: true, type: String }) refundReference: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;

  static of(payment: PaymentRecord): PaymentDto {
    return {
      id: payment.id,
      orderId: payment.orderId,
      userId: payment.userId,
      provider: payment.provider,
      status: payment.status,
      failureReason: payment.failureReason,
      paymentMethod: payment.paymentMethod,
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
