import { PageQuery } from '@ecotrack/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { CreateQuoteDto, QuoteLineDto } from '../../quotes/dto/quote.dto';
import { ORDER_STATUSES, type OrderStatus } from '../order-status';

/** How the customer pays: a provider token from the checkout page, never card data. */
export class PaymentMethodDto {
  @ApiProperty({ enum: ['stripe', 'paypal'], example: 'stripe' })
  @IsIn(['stripe', 'paypal'])
  provider: 'stripe' | 'paypal';

  @ApiProperty({
    description: 'Stripe PaymentMethod id (pm_...) or approved PayPal order id, as the provider\'s checkout returned it',
    example: 'pm_card_visa',
  })
  @IsString()
  @Length(3, 255)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'paymentMethodToken must be a provider token (letters, digits, _ and -), never card data' })
  paymentMethodToken: string;
}

/**
 * The basket of an order (the same items, with the same validation, as a quote) and how to pay.
 * Prices are not part of it: they come from product-service, and any price field is an unknown field (400).
 */
export class CreateOrderDto extends CreateQuoteDto {
  @ApiProperty({ type: PaymentMethodDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PaymentMethodDto)
  payment: PaymentMethodDto;
}

export class OrderLineDto extends QuoteLineDto {}

export class OrderDto {
  @ApiProperty({ format: 'uuid', example: 'b3f7a4de-5c1e-4f0a-9d2b-7e8c1a2b3c4d' })
  id: string;
  @ApiProperty({ format: 'uuid', description: 'The customer (token subject) who placed the order', example: '0e5b2c4a-8f3d-4a6b-9c1e-2d3f4a5b6c7d' })
  customerId: string;
  @ApiProperty({ enum: ORDER_STATUSES, example: 'PENDING' })
  status: OrderStatus;
  @ApiProperty({ type: [OrderLineDto] })
  lines: OrderLineDto[];
  @ApiProperty({ description: 'Minor units (cents)', example: 798 })
  totalCents: number;
  @ApiProperty({ example: 'EUR' })
  currency: string;
  @ApiProperty({ description: 'Footprint of the whole order, kg CO2e', example: 0.24 })
  carbonKgCo2e: number;
  @ApiPropertyOptional({ nullable: true, format: 'uuid', description: "The order's payment at payment-service (chosen when the order is placed)", example: '9a1c0e4b-3f2d-4c5e-8b7a-6d5e4f3a2b1c' })
  paymentId: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Why the order was rejected (REJECTED only)', example: 'out of stock' })
  rejectionReason: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  updatedAt: string;
}

export class OrderPageDto {
  @ApiProperty({ type: [OrderDto] })
  items: OrderDto[];
  @ApiProperty({ example: 3 })
  total: number;
  @ApiProperty({ example: 20 })
  limit: number;
  @ApiProperty({ example: 0 })
  offset: number;
}

/** GET /v1/orders: the caller's orders, newest first. */
export class ListOrdersQuery extends PageQuery {}
