import { FitsColumn } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID, ValidateNested } from 'class-validator';
import { Product } from '../../catalog/product.entity';

const EXAMPLE_PRODUCT = '6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11';
const EXAMPLE_RESERVATION = '0b7e6a52-3c1f-4f7e-8d1a-5a2c9e4b7f10';

export class ReservationItemDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_PRODUCT })
  @IsUUID()
  productId: string;

  /** Taken from products.stock (and kept in stock_reservations.quantity, an integer too). */
  @ApiProperty({ example: 2 })
  @FitsColumn(Product, 'stock', { min: 1, max: 1000, decimals: 0 })
  quantity: number;
}

export class CreateReservationDto {
  @ApiProperty({ format: 'uuid', description: 'Chosen by the caller; repeating it returns the same reservation', example: EXAMPLE_RESERVATION })
  @IsUUID()
  reservationId: string;

  @ApiProperty({ type: [ReservationItemDto], minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ReservationItemDto)
  items: ReservationItemDto[];
}

export class ReservationDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RESERVATION })
  reservationId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The order it was made for; null when made over this API', example: null })
  orderId: string | null;
  @ApiProperty({
    enum: ['RESERVED', 'CONFIRMED', 'RELEASED', 'RETURNED'],
    example: 'RESERVED',
    description: 'RESERVED → CONFIRMED (sold) → RETURNED (order cancelled, units back); RESERVED → RELEASED (units back)',
  })
  status: 'RESERVED' | 'CONFIRMED' | 'RELEASED' | 'RETURNED';
  @ApiProperty({ type: [ReservationItemDto], example: [{ productId: EXAMPLE_PRODUCT, quantity: 2 }] })
  items: ReservationItemDto[];
  @ApiProperty({ format: 'date-time', example: '2025-11-26T10:15:00.000Z' })
  createdAt: string;
  @ApiProperty({ format: 'date-time', example: '2025-11-26T10:15:00.000Z' })
  updatedAt: string;
}
