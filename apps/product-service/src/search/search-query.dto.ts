import { PageQuery } from '@ecotrack/platform';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { ProductDto } from '../catalog/dto/product.dto';
import { SLUG_PATTERN } from '../catalog/dto/write-product.dto';

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

  @ApiProperty({ required: false, description: 'Lowest price, cents', example: 100, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPrice?: number;

  @ApiProperty({ required: false, description: 'Highest price, cents', example: 2000, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  maxPrice?: number;

  @ApiProperty({ required: false, description: 'Highest footprint, kg CO2e per unit', example: 0.5, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
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
