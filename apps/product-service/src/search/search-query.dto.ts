import { FitsColumn, PageQuery, PG_INTEGER_MAX } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ProductDto } from '../catalog/dto/product.dto';
import { MAX_CARBON, SLUG_PATTERN } from '../catalog/dto/write-product.dto';
import { Product } from '../catalog/product.entity';

/** Compared with products.price_cents (integer) in SQL: a bound beyond the column is a 400, not a database error. */
const PRICE_FILTER = { min: 0, max: PG_INTEGER_MAX, decimals: 0 };

export const SEARCH_SORTS = ['relevance', 'price_asc', 'price_desc', 'carbon_asc', 'newest'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export class SearchProductsQuery extends PageQuery {
  @ApiProperty({ required: false, description: 'Words to find (web search syntax: "quoted phrase", -excluded, or)', example: 'bamboo toothbrush' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiProperty({ required: false, description: 'Category slug', example: 'personal-care' })
  @IsOptional()
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'category must be a slug (lower-case words joined by dashes)' })
  @MaxLength(80)
  category?: string;

  @ApiProperty({ required: false, description: 'Lowest price, minor units', example: 100 })
  @IsOptional()
  @Type(() => Number)
  @FitsColumn(Product, 'priceCents', PRICE_FILTER)
  minPrice?: number;

  @ApiProperty({ required: false, description: 'Highest price, minor units', example: 2000 })
  @IsOptional()
  @Type(() => Number)
  @FitsColumn(Product, 'priceCents', PRICE_FILTER)
  maxPrice?: number;

  @ApiProperty({ required: false, description: 'Highest footprint, kg CO2e per unit', example: 0.5 })
  @IsOptional()
  @Type(() => Number)
  @FitsColumn(Product, 'carbonKgCo2e', { min: 0, max: MAX_CARBON })
  maxCarbon?: number;

  @ApiProperty({ required: false, enum: SEARCH_SORTS, default: 'relevance', description: 'relevance needs q; without q it means newest' })
  @IsOptional()
  @IsIn(SEARCH_SORTS)
  sort: SearchSort = 'relevance';
}

export class SearchHitDto extends ProductDto {
  @ApiProperty({ description: 'ts_rank of the match; 0 without q', example: 0.6079 })
  rank: number;
}

export class SearchPageDto {
  @ApiProperty({ type: [SearchHitDto] })
  items: SearchHitDto[];
  @ApiProperty({ description: 'All matches, across pages', example: 42 })
  total: number;
  @ApiProperty({ example: 20 })
  limit: number;
  @ApiProperty({ example: 0 })
  offset: number;
}
