import { ApiProperty, PartialType } from '@nestjs/swagger';
import { IsInt, IsNumber, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** numeric(10,3): seven digits before the point, three after. */
const MAX_CARBON = 9_999_999.999;
/** A million of the currency's units: a guard against typos in minor units, not a business rule. */
const MAX_PRICE_CENTS = 100_000_000;

export class CreateProductDto {
  @ApiProperty({ example: 'BAMBOO-TB-01', pattern: '^[A-Z0-9][A-Z0-9-]*$', maxLength: 64 })
  @IsString()
  @Matches(/^[A-Z0-9][A-Z0-9-]*$/, { message: 'sku must be upper-case letters, digits and dashes' })
  @MaxLength(64)
  sku: string;

  @ApiProperty({ example: 'Bamboo toothbrush', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ required: false, example: 'Compostable handle, plant-based bristles', maxLength: 5000, default: '' })
  // May be left out, but not null (the column is NOT NULL): @IsOptional would let null through.
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiProperty({ description: 'Slug of an existing category', example: 'personal-care' })
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'category must be a slug (lower-case words joined by dashes)' })
  @MaxLength(80)
  category: string;

  @ApiProperty({ description: 'Unit price in minor units (cents); an integer, never a fraction', example: 399, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  priceCents: number;

  @ApiProperty({ description: 'ISO 4217 code', example: 'EUR' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency: string;

  @ApiProperty({ description: 'Carbon footprint of one unit, kg CO2e (at most 3 decimals)', example: 0.12, minimum: 0 })
  @IsNumber({ maxDecimalPlaces: 3, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_CARBON)
  carbonKgCo2e: number;

  @ApiProperty({ description: 'Units available for sale', example: 250, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  stock: number;
}

/**
 * Any subset of the fields; `stock` sets the available count (a stock take), it does not add to it.
 * An absent field is left alone, but null is validated (and refused): every column is NOT NULL.
 */
export class UpdateProductDto extends PartialType(CreateProductDto, { skipNullProperties: false }) {}
