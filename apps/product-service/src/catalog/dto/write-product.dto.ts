import { CurrencyCode, FitsColumn } from '@ecotrack/platform';
import { ApiProperty, PartialType } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { Product } from '../product.entity';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/**
 * kg CO2e per unit. The product column (numeric(10,3)) would take 9,999,999.999, but an order
 * multiplies it: 50 lines of 100 units each must still fit the order's numeric(12,3) total, so
 * 100 t per unit (a car is about 10) is the bound.
 */
export const MAX_CARBON = 100_000;
/** A million of the currency's units: a guard against typos in minor units, not a business rule. */
const MAX_PRICE_CENTS = 100_000_000;
/** Units of one product: an integer column, bounded well below it. */
const MAX_STOCK = 10_000_000;

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

  @ApiProperty({ description: "Unit price in the currency's minor units (cents; yen for JPY, fils for KWD); an integer, never a fraction", example: 399 })
  @FitsColumn(Product, 'priceCents', { min: 0, max: MAX_PRICE_CENTS, decimals: 0 })
  priceCents: number;

  @CurrencyCode()
  currency: string;

  @ApiProperty({ description: 'Carbon footprint of one unit, kg CO2e (at most 3 decimals)', example: 0.12 })
  @FitsColumn(Product, 'carbonKgCo2e', { min: 0, max: MAX_CARBON, decimals: 3 })
  carbonKgCo2e: number;

  @ApiProperty({ description: 'Units available for sale', example: 250 })
  @FitsColumn(Product, 'stock', { min: 0, max: MAX_STOCK, decimals: 0 })
  stock: number;
}

/**
 * Any subset of the fields; `stock` sets the available count (a stock take), it does not add to it.
 * An absent field is left alone, but null is validated (and refused): every column is NOT NULL.
 */
export class UpdateProductDto extends PartialType(CreateProductDto, { skipNullProperties: false }) {}
