import { FitsColumn } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID, ValidateNested } from 'class-validator';
import { OrderLine } from '../../orders/order-line.entity';

export class QuoteItemDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11' })
  @IsUUID('4')
  productId: string;

  @ApiProperty({ example: 2 })
  @FitsColumn(OrderLine, 'quantity', { min: 1, max: 100, decimals: 0 })
  quantity: number;
}

export class CreateQuoteDto {
  @ApiProperty({ type: [QuoteItemDto], minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => QuoteItemDto)
  items: QuoteItemDto[];
}

export class QuoteLineDto {
  @ApiProperty({ format: 'uuid' })
  productId: string;
  @ApiProperty({ example: 'Bamboo toothbrush' })
  name: string;
  @ApiProperty({ example: 2 })
  quantity: number;
  @ApiProperty({ example: 399 })
  unitPriceCents: number;
  @ApiProperty({ example: 798 })
  lineTotalCents: number;
  @ApiProperty({ example: 0.24 })
  carbonKgCo2e: number;
}

export class QuoteDto {
  @ApiProperty({ type: [QuoteLineDto] })
  lines: QuoteLineDto[];
  @ApiProperty({ example: 798 })
  totalCents: number;
  @ApiProperty({ example: 'EUR' })
  currency: string;
  @ApiProperty({ description: 'Footprint of the whole basket, kg CO2e', example: 0.24 })
  carbonKgCo2e: number;
}
