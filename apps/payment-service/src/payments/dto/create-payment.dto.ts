import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

/** A million of the currency's units: a guard against typos in minor units. */
const MAX_AMOUNT_CENTS = 100_000_000;

export class CreatePaymentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  orderId: string;

  @ApiProperty({ enum: ['stripe', 'paypal'] })
  @IsIn(['stripe', 'paypal'])
  provider: 'stripe' | 'paypal';

  @ApiProperty({ description: 'Minor units (cents)', example: 1999, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT_CENTS)
  amountCents: number;

  @ApiProperty({ description: 'ISO 4217 code', example: 'EUR' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
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
