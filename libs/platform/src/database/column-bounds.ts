import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsNumber, Max, Min, ValidateBy } from 'class-validator';
import { getMetadataArgsStorage } from 'typeorm';

/** PostgreSQL `integer` (int4): what most count and minor-unit columns are. */
export const PG_INTEGER_MAX = 2_147_483_647;

/** A class, as decorators and metadata stores see it. */
export type AnyClass = abstract new (...args: never[]) => unknown;

export interface NumberBounds {
  min: number;
  max: number;
  /** 0: an integer; n: at most n decimals; absent: any number (a filter compared with a numeric column). */
  decimals?: number;
}

/** A DTO field declared with @FitsColumn: which column its value is stored in or compared with. */
export interface ColumnLink extends NumberBounds {
  dto: AnyClass;
  property: string;
  entity: AnyClass;
  column: string;
}

const links: ColumnLink[] = [];

/** Every @FitsColumn declared so far (by the DTO modules loaded): what the bounds test checks. */
export const columnLinks = (): readonly ColumnLink[] => links;

/**
 * A number a client sends that ends up in a column (or is compared with one in SQL): its bounds,
 * declared once, become the validator's @Min/@Max, its integer or decimal check and the OpenAPI
 * minimum/maximum. PostgreSQL refuses a value its column cannot hold with an error (a 500 before
 * this); here the client gets a 400 naming the field. tests/repo/column-bounds.spec.ts reads the
 * entity's column type and proves the bounds fit it.
 */
export function FitsColumn<E>(entity: new () => E, column: keyof E & string, bounds: NumberBounds): PropertyDecorator {
  const { min, max, decimals } = bounds;
  const number = IsNumber({ allowNaN: false, allowInfinity: false });
  const type = decimals === 0 ? [IsInt()] : decimals === undefined ? [number] : [number, HasAtMostDecimals(decimals)];
  return (target, property) => {
    links.push({ dto: target.constructor as AnyClass, property: String(property), entity, column, ...bounds });
    applyDecorators(...type, Min(min), Max(max), ApiProperty({ type: decimals === 0 ? 'integer' : 'number', minimum: min, maximum: max }))(target, property);
  };
}

/**
 * At most `decimals` decimal places, for any number a JSON parser can produce. class-validator's
 * own maxDecimalPlaces reads the digits after a '.' in the number's text and throws on exponent
 * notation (5e-324, 1e-7: no '.'), which became a 500; here the value must survive rounding to
 * `decimals` places unchanged.
 */
function HasAtMostDecimals(decimals: number): PropertyDecorator {
  return ValidateBy({
    name: 'hasAtMostDecimals',
    validator: {
      validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(decimals)) === value,
      defaultMessage: (args) => `${args?.property} must have at most ${decimals} decimal places`,
    },
  });
}

export interface ColumnRange {
  type: string;
  min: number;
  max: number;
  /** Decimals the column keeps: 0 for integer types, the scale of numeric(p, s). */
  scale: number;
}

const INTEGER_TYPES: Record<string, [number, number]> = {
  smallint: [-32_768, 32_767],
  int2: [-32_768, 32_767],
  integer: [-PG_INTEGER_MAX - 1, PG_INTEGER_MAX],
  int: [-PG_INTEGER_MAX - 1, PG_INTEGER_MAX],
  int4: [-PG_INTEGER_MAX - 1, PG_INTEGER_MAX],
  // int8 holds more, but a JavaScript number is exact only up to 2^53 - 1.
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int8: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** What an entity's column can hold, from its TypeORM mapping; throws for a column that is not a bounded number. */
export function columnRange(entity: AnyClass, property: string): ColumnRange {
  const column = getMetadataArgsStorage().columns.find((args) => args.target === entity && args.propertyName === property);
  if (!column) throw new Error(`${entity.name}.${property} is not a mapped column`);
  const type = String(column.options.type);
  const integer = INTEGER_TYPES[type];
  if (integer) return { type, min: integer[0], max: integer[1], scale: 0 };
  const { precision, scale = 0 } = column.options;
  if ((type === 'numeric' || type === 'decimal') && precision) {
    const max = Number((10 ** (precision - scale) - 10 ** -scale).toFixed(scale));
    return { type: `${type}(${precision},${scale})`, min: -max, max, scale };
  }
  throw new Error(`${entity.name}.${property} is ${type}${precision ? `(${precision})` : ''}: not a column with a bounded numeric range`);
}
