import type { FieldError } from '../errors/problem';

/**
 * NUL, or a UTF-16 surrogate without its partner. Neither can be stored: PostgreSQL refuses NUL
 * in text and jsonb (a 500 before this check), and a lone surrogate has no UTF-8 form (the driver
 * would silently store U+FFFD instead of what the client sent). JSON ("\u0000", "\ud800") and
 * percent-decoding ("%00") both produce them, so they are refused wherever they arrive.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const describe = (text: string) => (text.includes('\u0000') ? 'a NUL character' : 'an unpaired UTF-16 surrogate');

/** A key as a client would recognise it in a field path, with the offending characters escaped. */
const printable = (key: string) => key.replace(/[\u0000\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * The first string (or object key) in a decoded request value that cannot be stored, named by
 * its field path (`items.0.name`, as validation errors name fields); undefined when all are fine.
 * Walks as deep as the value goes: bodies are depth-limited before they get here (json-body.ts).
 */
export function findUnstorableText(value: unknown, path = ''): FieldError | undefined {
  if (typeof value === 'string') {
    return UNSTORABLE.test(value) ? { field: path || 'value', message: `${path || 'value'} contains ${describe(value)}` } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) {
      const field = join(path, printable(key));
      return { field, message: `field name ${field} contains ${describe(key)}` };
    }
    const found = findUnstorableText(child, join(path, key));
    if (found) return found;
  }
  return undefined;
}
