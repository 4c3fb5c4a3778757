import { MatchersV3 as M, PactV4, SpecificationVersion } from '@pact-foundation/pact';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PACT_OUTPUT_DIR } from './dirs';

// Pact's own usage statistics would call out to the internet from every test run.
process.env.PACT_DO_NOT_TRACK = 'true';

/** A consumer's pact with one provider: HTTP and message interactions together (Pact V4). */
export function consumerPact(consumer: string, provider: string): PactV4 {
  return new PactV4({ consumer, provider, dir: PACT_OUTPUT_DIR, spec: SpecificationVersion.SPECIFICATION_VERSION_V4, logLevel: 'warn' });
}

/** How a message interaction is named: the provider finds its producer by this description. */
export const messageDescription = (type: string, version: number, topic: string) => `${type} v${version} on ${topic}`;

/** The inverse of messageDescription, for providers (undefined for HTTP interactions). */
export function parseMessageDescription(description: string): { type: string; version: number; topic: string } | undefined {
  const match = /^(\w+) v(\d+) on ([\w.-]+)$/.exec(description);
  return match ? { type: match[1], version: Number(match[2]), topic: match[3] } : undefined;
}

const ISO_DATETIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';

/** A stable example uuid per field path, so regenerated pact files do not differ. */
function exampleUuid(at: string): string {
  const hex = createHash('sha256').update(at).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type Schema = z.ZodTypeAny;

function unwrap(schema: Schema): Schema {
  if (schema instanceof z.ZodEffects) return unwrap(schema.innerType());
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return unwrap(schema._def.innerType);
  return schema;
}

const isOptional = (schema: Schema): boolean => schema.isOptional();

function stringMatcher(schema: z.ZodString, at: string): unknown {
  const checks = schema._def.checks;
  if (checks.some((check) => check.kind === 'uuid')) return M.uuid(exampleUuid(at));
  if (checks.some((check) => check.kind === 'datetime')) return M.regex(ISO_DATETIME, '2026-01-01T00:00:00.000Z');
  if (checks.some((check) => check.kind === 'email')) return M.regex('^[^@\\s]+@[^@\\s]+$', 'customer@example.com');
  const pattern = checks.find((check): check is Extract<typeof check, { kind: 'regex' }> => check.kind === 'regex');
  if (pattern) return M.regex(pattern.regex.source, exampleFor(pattern.regex.source));
  return M.string('text');
}

/** Examples for the registry's patterns (the example must satisfy the consumer's own parsing). */
function exampleFor(pattern: string): string {
  if (pattern.startsWith('^vault:')) return 'vault:v1:c2VhbGVk';
  if (pattern === '^[A-Z]{3}$') return 'EUR';
  throw new Error(`no example for the pattern ${pattern}: add one in tests/contracts/support/pact.ts`);
}

/**
 * The Pact matchers of a payload schema: each REQUIRED field by type (uuid, ISO time, integer,
 * pattern, enum), never by example value. A consumer parses with its registry's schema, so every
 * required field is one it reads (without it the message goes to the dead letters); optional
 * fields are left out unless the consumer names them in `alsoRead`. A provider may add fields freely.
 */
export function matchersOf(schema: Schema, alsoRead: readonly string[] = [], at = ''): unknown {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    const shape = inner.shape as Record<string, Schema>;
    const fields = Object.entries(shape).filter(([name, field]) => !isOptional(field) || alsoRead.includes(at ? `${at}.${name}` : name));
    return Object.fromEntries(fields.map(([name, field]) => [name, matchersOf(field, alsoRead, at ? `${at}.${name}` : name)]));
  }
  if (inner instanceof z.ZodArray) return M.eachLike(matchersOf(inner.element, alsoRead, `${at}[]`), Math.max(1, inner._def.minLength?.value ?? 1));
  if (inner instanceof z.ZodString) return stringMatcher(inner, at);
  if (inner instanceof z.ZodNumber) {
    const min = inner._def.checks.find((check) => check.kind === 'min')?.value ?? 0;
    const example = Math.max(min, 1);
    return inner.isInt ? M.integer(example) : M.number(example + 0.5);
  }
  if (inner instanceof z.ZodBoolean) return M.boolean(true);
  if (inner instanceof z.ZodEnum) {
    const options = inner.options as string[];
    return M.regex(`^(${options.join('|')})$`, options[0]);
  }
  if (inner instanceof z.ZodLiteral) return inner.value;
  throw new Error(`no matcher for ${inner.constructor.name} at ${at || 'the payload'}: add one in tests/contracts/support/pact.ts`);
}

export interface ExpectedMessage {
  type: string;
  version: number;
  topic: string;
  payload: Schema;
  /** Commands and replies: the consumer reads the saga id from the envelope's correlationId. */
  correlated: boolean;
  alsoRead?: readonly string[];
}

/**
 * The envelope a consumer expects (libs/events envelope.ts): the type and version exactly (a
 * renamed type is a broken contract), the ids and time by type, and the payload's matchers.
 */
export function envelopeMatchers(message: ExpectedMessage): Record<string, unknown> {
  const at = `${message.type}.v${message.version}`;
  return {
    id: M.uuid(exampleUuid(`${at}.id`)),
    type: message.type,
    version: message.version,
    source: M.string('a-service'),
    aggregateId: M.uuid(exampleUuid(`${at}.aggregateId`)),
    occurredAt: M.regex(ISO_DATETIME, '2026-01-01T00:00:00.000Z'),
    ...(message.correlated ? { correlationId: M.uuid(exampleUuid(`${at}.correlationId`)) } : {}),
    payload: matchersOf(message.payload, message.alsoRead ?? [], ''),
  };
}
