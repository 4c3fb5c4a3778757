import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ProductDto } from '../catalog/dto/product.dto';

export class RecommendationsQuery {
  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: 20, default: 5, description: 'Products per list' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  limit = 5;
}

export class BoughtTogetherDto extends ProductDto {
  @ApiProperty({ description: 'Orders that contained both products', example: 17 })
  timesBoughtTogether: number;
}

export class RecommendationsDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2b8e-2d4a-4c1e-9a43-3f6f0c9b8a11' })
  productId: string;
  @ApiProperty({ type: [ProductDto], description: 'Same category: closest price first, then lowest footprint' })
  sameCategory: ProductDto[];
  @ApiProperty({ type: [BoughtTogetherDto], description: 'Most often bought in the same order first' })
  boughtTogether: BoughtTogetherDto[];
}
