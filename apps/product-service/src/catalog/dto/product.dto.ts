import { PageQuery } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID } from 'class-validator';

export class ProductDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11' })
  id: string;
  @ApiProperty({ example: 'BAMBOO-TB-01' })
  sku: string;
  @ApiProperty({ example: 'Bamboo toothbrush' })
  name: string;
  @ApiProperty({ example: 'Compostable handle, plant-based bristles' })
  description: string;
  @ApiProperty({ example: 'personal-care' })
  category: string;
  @ApiProperty({ description: 'Unit price in minor units (cents)', example: 399 })
  priceCents: number;
  @ApiProperty({ example: 'EUR' })
  currency: string;
  @ApiProperty({ description: 'Carbon footprint of one unit, kg CO2e', example: 0.12 })
  carbonKgCo2e: number;
  @ApiProperty({ example: 250 })
  stock: number;
}

export class ProductPageDto {
  @ApiProperty({ type: [ProductDto] })
  items: ProductDto[];
  @ApiProperty({ example: 42 })
  total: number;
  @ApiProperty({ example: 20 })
  limit: number;
  @ApiProperty({ example: 0 })
  offset: number;
}

/** GET /v1/products: plain paging. */
export class ListProductsQuery extends PageQuery {}

/** How many ids one batch read may name: a basket (at most 50 lines) fits with room to spare. */
export const BATCH_READ_MAX_IDS = 100;

/** `ids=a&ids=b` (or `ids=a,b`): a query string gives one string, or an array of them. */
const idList = ({ value }: { value: unknown }): unknown =>
  (Array.isArray(value) ? value : [value]).flatMap((item) => (typeof item === 'string' ? item.split(',').map((id) => id.trim()) : [item]));

/** GET /v1/products/batch: several products by id. */
export class BatchProductsQuery {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: BATCH_READ_MAX_IDS,
    description: `Product ids: repeat the parameter (ids=…&ids=…) or separate them with commas; 1 to ${BATCH_READ_MAX_IDS}, repeats count once`,
    example: ['6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11'],
  })
  @Transform(idList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BATCH_READ_MAX_IDS)
  @IsUUID('all', { each: true, message: 'each of ids must be a UUID' })
  ids: string[];
}

export class ProductBatchDto {
  @ApiProperty({ type: [ProductDto], description: 'The products found, in the order first asked for, each once' })
  items: ProductDto[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'Ids asked for that name no product', example: [] })
  missing: string[];
}
