import { validate } from 'class-validator';
import { CurrencyCode, formatMinorUnits, isPricedCurrency, minorUnitExponent, parseMinorUnits } from './minor-units';

describe('money in minor units by ISO 4217 exponent', () => {
  it.each([
    ['EUR', 2, 1999, '19.99'],
    ['EUR', 2, 5, '0.05'],
    ['JPY', 0, 1999, '1999'],
    ['KWD', 3, 1999, '1.999'],
    ['KWD', 3, 5, '0.005'],
    ['CLF', 4, 10_000, '1.0000'],
  ])('%s has %i decimals: %i minor units read %s, and back', (currency, exponent, amount, decimal) => {
    expect(minorUnitExponent(currency)).toBe(exponent);
    expect(formatMinorUnits(amount, currency)).toBe(decimal);
    expect(parseMinorUnits(decimal, currency)).toBe(amount);
  });

  it('reads a whole amount in any currency, and refuses more decimals than the unit has', () => {
    expect(parseMinorUnits('20', 'EUR')).toBe(2000);
    expect(parseMinorUnits('20', 'KWD')).toBe(20_000);
    expect(parseMinorUnits('1.5', 'JPY')).toBeUndefined();
    expect(parseMinorUnits('19.999', 'EUR')).toBeUndefined();
    expect(parseMinorUnits('-1', 'EUR')).toBeUndefined();
    expect(parseMinorUnits('1e3', 'EUR')).toBeUndefined();
  });

  it('prices only in ISO 4217 currencies that have a minor unit', () => {
    for (const code of ['EUR', 'USD', 'JPY', 'KWD', 'CHF']) expect(isPricedCurrency(code)).toBe(true);
    for (const code of ['eur', 'ZZZ', 'XAU', 'XXX', 'EURO', '', 42, undefined]) expect(isPricedCurrency(code)).toBe(false);
    expect(() => minorUnitExponent('XAU')).toThrow(RangeError);
    expect(() => formatMinorUnits(1.5, 'EUR')).toThrow(RangeError);
  });

  it('@CurrencyCode() refuses, naming the field, what nothing is priced in', async () => {
    class Price {
      @CurrencyCode() currency: unknown;
    }
    const errorsFor = async (currency: unknown) => validate(Object.assign(new Price(), { currency }));
    expect(await errorsFor('JPY')).toEqual([]);
    const [error] = await errorsFor('XAU');
    expect(Object.values(error.constraints ?? {})).toEqual([expect.stringContaining('currency must be an upper-case ISO 4217 currency code with a minor unit')]);
    expect(await errorsFor(7)).toHaveLength(1);
  });
});
