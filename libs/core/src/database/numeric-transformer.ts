import type { ValueTransformer } from 'typeorm';

/**
 * pg returns numeric and bigint columns as strings (they may exceed a JS number).
 * Our amounts (cents, kg CO2e to the gram) fit safely; expose them as numbers.
 */
export const numericTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
