import { PageQuery } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';
import { CreateQuoteDto, QuoteLineDto } from '../../quotes/dto/quote.dto';
import { ORDER_STATUSES, type OrderStatus } from '../order-status';

/**
 * The basket of an order: the same items, with the same validation, as a quote.
 * Prices are not part of it: they come from product-service, and any price field is an unknown field (400).
 */
export class CreateOrderDto extends CreateQuoteDto {}

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
