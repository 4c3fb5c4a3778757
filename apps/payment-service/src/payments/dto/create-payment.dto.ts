import { CurrencyCode, FitsColumn } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import { Payment } from '../payment.entity';

/** A million of the currency's units: a guard against typos in minor units. */
const MAX_AMOUNT_CENTS = 100_000_000;

export class CreatePaymentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  orderId: string;

  @ApiProperty({ enum: ['stripe', 'paypal'] })
  @IsIn(['stripe', 'paypal'])
  provider: 'stripe' | 'paypal';

  @ApiProperty({ description: "The currency's minor units (cents; yen for JPY, fils for KWD)", example: 1999 })
  @FitsColumn(Payment, 'amountCents', { min: 1, max: MAX_AMOUNT_CENTS, decimals: 0 })
  amountCents: number;

  @CurrencyCode()
  currency: string;

  @ApiProperty({
    required: false,
    description: 'Stripe PaymentMethod token (required for stripe), e.g. pm_card_visa. Never card numbers.',
    example: 'pm_card_visa',
  })
  @ValidateIf((body: CreatePaymentDto) => body.provider === 'stripe' || body.paymentMethodToken !== undefined)
  @IsString()
  @MaxLength(255)
  @Matches(/^pm_[A-Za-z0-9_]+$/, { message: 'paymentMethodToken must be a Stripe PaymentMethod id (pm_...)' })
  paymentMethodToken?: string;
}
