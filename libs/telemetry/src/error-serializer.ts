import { stdSerializers } from 'pino';

/**
 * A failed query as TypeORM reports it (QueryFailedError): the SQL text, the values bound to it,
 * and the driver's error, whose fields TypeORM also copies onto it. Recognised by shape, so this
 * lib stays free of any database dependency.
 */
interface QueryFailure {
  query: string;
  parameters?: unknown[];
  driverError?: unknown;
}

const isQueryFailure = (error: unknown): error is QueryFailure =>
  typeof error === 'object' && error !== null && typeof (error as QueryFailure).query === 'string' && 'driverError' in error;

/**
 * PostgreSQL fields that quote the data a statement carried: `detail` ("Key (email)=(ada@...)
 * already exists"), `where` ("unnamed portal parameter $1 = '...'"). The SQL text, the code, the
 * constraint, table and column names stay: they are what an operator needs, and hold no data.
 */
const DATA_FIELDS = ['parameters', 'detail', 'where'];

/** The string forms of the bound values (also inside JSON parameters), longest first. */
function valuesOf(parameters: unknown[] = []): string[] {
  const values = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string') {
      values.add(value);
      if (/^[[{]/.test(value)) {
        try {
          add(JSON.parse(value));
        } catch {
          // not JSON: the string itself is enough
        }
      }
    } else if (typeof value === 'number' || typeof value === 'bigint') values.add(String(value));
    else if (value instanceof Date) values.add(value.toISOString());
    else if (value && typeof value === 'object') Object.values(value).forEach(add);
  };
  parameters.forEach(add);
  return [...values].filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * Bound values quoted in a message (PostgreSQL quotes them: `invalid input syntax for type uuid:
 * "..."`). Short values are replaced only where quoted, so "varying(320)" survives a parameter 3.
 */
function withoutValues(text: string, values: string[]): string {
  return values.reduce((out, value) => {
    const quoted = out.split(`"${value}"`).join('"[parameter]"');
    return value.length >= 4 ? quoted.split(value).join('[parameter]') : quoted;
  }, text);
}

function scrub(serialized: Record<string, unknown>, values: string[]): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(serialized)) {
    if (DATA_FIELDS.includes(key)) continue;
    if (typeof value === 'string') clean[key] = key === 'query' ? value : withoutValues(value, values);
    else if (value && typeof value === 'object' && !Array.isArray(value)) clean[key] = scrub(value as Record<string, unknown>, values);
    else clean[key] = value;
  }
  return clean;
}

/**
 * pino's error serializer, for every `err` the services log (a 5xx, a failed consumer, ...):
 * a failed query is logged with its SQL and SQLSTATE but never the values bound to it (an email,
 * a name, a token), in any field, its message and stack included, nor in the driver error inside.
 */
export function serializeError(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error) as unknown;
  if (!isQueryFailure(error) || typeof serialized !== 'object' || serialized === null) return serialized;
  return scrub(serialized as Record<string, unknown>, valuesOf(error.parameters));
}
