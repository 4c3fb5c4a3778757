import { columnLinks, columnRange, PG_INTEGER_MAX, type AnyClass } from '@ecotrack/platform';
import { getMetadataStorage, validateSync } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
// Every controller, DTO and entity each service serves, loaded as the service itself loads them.
import '../../apps/notification-service/src/app.module';
import '../../apps/order-service/src/app.module';
import '../../apps/payment-service/src/app.module';
import '../../apps/product-service/src/app.module';
import '../../apps/user-service/src/app.module';
import { MAX_CARBON } from '../../apps/product-service/src/catalog/dto/write-product.dto';
import { Order } from '../../apps/order-service/src/orders/order.entity';
import { OrderLine } from '../../apps/order-service/src/orders/order-line.entity';
import { CreateQuoteDto, QuoteItemDto } from '../../apps/order-service/src/quotes/dto/quote.dto';

/**
 * Numbers a client sends must fit the column they are stored in or compared with (PostgreSQL
 * answers a value out of range with an error: a 500). Each such DTO field declares its bounds once
 * with @FitsColumn; this reads the entities' TypeORM column types and the DTOs' class-validator
 * constraints, both as the running services see them, and proves they agree.
 */
const storage = getMetadataStorage();
const constraintsOf = (dto: AnyClass): ValidationMetadata[] => storage.getTargetValidationMetadatas(dto as never, '', true, false);
const constraint = (dto: AnyClass, property: string, name: string) =>
  constraintsOf(dto).find((m) => m.propertyName === property && m.name === name)?.constraints?.[0] as number | undefined;
/** Every class with validation constraints: each request body and query of every service, and the platform's own. */
const validatedClasses = (): AnyClass[] => [...(storage as unknown as { validationMetadatas: Map<AnyClass, unknown> }).validationMetadatas.keys()];

describe('DTO numbers fit their columns', () => {
  it('every @FitsColumn field: bounds within the column type, no more decimals than it keeps, the validator enforcing exactly them', () => {
    const links = columnLinks();
    expect(links.length).toBeGreaterThanOrEqual(9);
    const problems = links.flatMap((link) => {
      const name = `${link.dto.name}.${link.property} → ${link.entity.name}.${link.column}`;
      const column = columnRange(link.entity, link.column);
      const wrong: string[] = [];
      if (link.min < column.min || link.max > column.max) wrong.push(`[${link.min}, ${link.max}] exceeds ${column.type} [${column.min}, ${column.max}]`);
      if (column.scale === 0 && link.decimals !== 0) wrong.push(`${column.type} keeps no decimals, the field allows ${link.decimals ?? 'any'}`);
      if (link.decimals !== undefined && link.decimals > column.scale) wrong.push(`${link.decimals} decimals, ${column.type} keeps ${column.scale}`);
      if (constraint(link.dto, link.property, 'min') !== link.min || constraint(link.dto, link.property, 'max') !== link.max) wrong.push('validator bounds differ');
      return wrong.map((w) => `${name}: ${w}`);
    });
    expect(problems).toEqual([]);
  });

  it('every @FitsColumn field with decimals refuses more of them, in any notation JSON allows, and never throws', () => {
    const decimalLinks = columnLinks().filter((link) => link.decimals !== undefined && link.decimals > 0);
    expect(decimalLinks.length).toBeGreaterThan(0);
    const verdicts = decimalLinks.flatMap((link) => {
      const errorsFor = (value: number) => {
        const instance = Object.assign(Object.create((link.dto as unknown as { prototype: object }).prototype) as object, { [link.property]: value });
        return validateSync(instance).filter((error) => error.property === link.property).length;
      };
      const step = 10 ** -link.decimals!;
      return [
        // exponent notation (no '.' in the text) was a TypeError in class-validator's maxDecimalPlaces: a 500
        { value: 5e-324, refused: true },
        { value: 1e-7, refused: true },
        { value: Math.max(link.min, 0) + step / 10, refused: true },
        { value: Math.max(link.min, 0) + step, refused: false },
      ].map(({ value, refused }) => ({ field: `${link.dto.name}.${link.property}`, value, refused: errorsFor(value) > 0, expected: refused }));
    });
    expect(verdicts.filter((v) => v.refused !== v.expected)).toEqual([]);
  });

  it('knows an integer column from a numeric(p, s) one', () => {
    expect(columnRange(OrderLine, 'quantity')).toEqual({ type: 'integer', min: -PG_INTEGER_MAX - 1, max: PG_INTEGER_MAX, scale: 0 });
    expect(columnRange(Order, 'carbonKgCo2e')).toEqual({ type: 'numeric(12,3)', min: -999_999_999.999, max: 999_999_999.999, scale: 3 });
    expect(columnRange(Order, 'totalCents')).toMatchObject({ type: 'bigint', max: Number.MAX_SAFE_INTEGER });
    expect(() => columnRange(Order, 'currency')).toThrow(/not a column with a bounded numeric range/);
  });

  it('no number in any request body or query is unbounded', () => {
    const classes = validatedClasses();
    expect(classes.length).toBeGreaterThan(15);
    const unbounded = classes.flatMap((dto) => {
      const metadata = constraintsOf(dto);
      const numeric = new Set(metadata.filter((m) => m.name === 'isInt' || m.name === 'isNumber').map((m) => m.propertyName));
      return [...numeric].filter((property) => constraint(dto, property, 'min') === undefined || constraint(dto, property, 'max') === undefined).map((p) => `${dto.name}.${p}`);
    });
    expect(unbounded).toEqual([]);
  });

  it("an order's largest basket fits the order's columns: lines × units × the largest footprint", () => {
    const lines = constraint(CreateQuoteDto, 'items', 'arrayMaxSize')!;
    const units = constraint(QuoteItemDto, 'quantity', 'max')!;
    expect(units * MAX_CARBON).toBeLessThanOrEqual(columnRange(OrderLine, 'carbonKgCo2e').max);
    expect(lines * units * MAX_CARBON).toBeLessThanOrEqual(columnRange(Order, 'carbonKgCo2e').max);
  });
});
