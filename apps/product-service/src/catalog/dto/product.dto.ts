import { PageQuery } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';

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
