import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { isISO4217CurrencyCode, IsString, ValidateBy } from 'class-validator';

/**
 * Amounts are integers in the currency's minor unit everywhere in EcoTrack (`priceCents`,
 * `amountCents`: the name stayed from EUR), and ISO 4217 says how many decimals that unit is:
 * 2 for most, 0 for JPY (1 = one yen), 3 for KWD (1 = one fils, a thousandth of a dinar).
 * Only the exceptions to 2 are listed (ISO 4217, list one, 2024).
 */
const EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** ISO 4217 codes with no minor unit at all: precious metals, SDRs, bond units, test and "no currency" codes. Nothing is priced in them. */
const WITHOUT_MINOR_UNIT = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX']);

/** Whether something can be priced in this code: an upper-case ISO 4217 currency with a minor unit. */
export function isPricedCurrency(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && isISO4217CurrencyCode(code) && !WITHOUT_MINOR_UNIT.has(code);
}

/** Decimals of the currency's minor unit; throws for a code nothing is priced in. */
export function minorUnitExponent(currency: string): number {
  if (!isPricedCurrency(currency)) throw new RangeError(`${currency} is not an ISO 4217 currency with a minor unit`);
  return EXPONENTS[currency] ?? 2;
}

/** 1999 EUR → "19.99", 1999 JPY → "1999", 1999 KWD → "1.999": the decimal amount providers and people read. */
export function formatMinorUnits(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${amount} is not a non-negative whole number of minor units`);
  const exponent = minorUnitExponent(currency);
  if (exponent === 0) return String(amount);
  const digits = String(amount).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** "19.99" EUR → 1999, "1999" JPY → 1999, "1.5" KWD → 1500; undefined for anything else (more decimals than the unit has, signs, exponents). */
export function parseMinorUnits(decimal: string, currency: string): number | undefined {
  const exponent = minorUnitExponent(currency);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!match || (match[2] ?? '').length > exponent) return undefined;
  const amount = Number(match[1] + (match[2] ?? '').padEnd(exponent, '0'));
  return Number.isSafeInteger(amount) ? amount : undefined;
}

/** A request field holding a currency code: validated with isPricedCurrency, documented once. */
export function CurrencyCode(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    ValidateBy({
      name: 'isPricedCurrency',
      validator: { validate: isPricedCurrency, defaultMessage: (args) => `${args?.property ?? 'currency'} must be an upper-case ISO 4217 currency code with a minor unit, such as EUR, JPY or KWD` },
    }),
    ApiProperty({ description: 'ISO 4217 code; amounts are in its minor unit (2 decimals for EUR, 0 for JPY, 3 for KWD)', pattern: '^[A-Z]{3}$', example: 'EUR' }),
  );
}
