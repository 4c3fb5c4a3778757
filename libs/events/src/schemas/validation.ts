import { randomUUID } from 'node:crypto';
import type { ZodError } from 'zod';
import { envelopeSchema, type Envelope } from './envelope';
import { isMessageType, latestVersionOf, schemaOf, versionsOf, type MessageType, type OutgoingPayload } from './message-schemas';

export type ValidationResult = { ok: true; envelope: Envelope } | { ok: false; error: string; type?: MessageType };

/** Thrown on the producing side: an invalid message never reaches the outbox. */
export class MessageValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageValidationError';
  }
}

const MAX_ERROR_LENGTH = 1000;

/** "payload.lines.0.quantity: Number must be greater than or equal to 1; ..." */
export function formatIssues(error: ZodError, prefix = ''): string {
  const text = error.issues.map((issue) => `${[prefix, ...issue.path].filter((p) => p !== '').join('.') || '(value)'}: ${issue.message}`).join('; ');
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * Checks the envelope, then the payload against the registry's schema for its
 * type and version. Returns the envelope with the PARSED payload (unknown
 * fields stripped), never throws.
 */
export function validateEnvelope(input: unknown): ValidationResult {
  const parsed = envelopeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: `invalid envelope: ${formatIssues(parsed.error)}` };
  const { type, version } = parsed.data;
  if (!isMessageType(type)) return { ok: false, error: `unknown message type "${type}"` };
  const schema = schemaOf(type, version);
  if (!schema) return { ok: false, type, error: `unknown version ${version} of ${type} (known: ${versionsOf(type).join(', ')})` };
  const payload = schema.safeParse(parsed.data.payload);
  if (!payload.success) return { ok: false, type, error: `invalid ${type} v${version}: ${formatIssues(payload.error, 'payload')}` };
  return { ok: true, envelope: { ...parsed.data, type, version, payload: payload.data } as Envelope };
}

/** A Kafka record value as it arrives: bytes that should be one JSON envelope. */
export function parseMessageValue(value: Buffer | string | null | undefined): ValidationResult {
  if (value === null || value === undefined || value.length === 0) return { ok: false, error: 'empty message value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch (error) {
    return { ok: false, error: `value is not JSON: ${(error as Error).message}` };
  }
  return validateEnvelope(json);
}

/** What a service asks to send; the envelope fields it does not give are filled in. */
export interface MessageDraft<T extends MessageType = MessageType> {
  type: T;
  /** The aggregate the message is about; becomes the Kafka key. */
  aggregateId: string;
  payload: OutgoingPayload<T>;
  correlationId?: string;
  causationId?: string;
  /** Defaults to a new random uuid. */
  id?: string;
  /** Defaults to now. */
  occurredAt?: Date;
}

/**
 * Builds and validates the envelope of a new message (always the latest
 * version of its type). Throws MessageValidationError, naming the bad field.
 */
export function createEnvelope<T extends MessageType>(source: string, draft: MessageDraft<T>): Envelope<T> {
  const candidate = {
    id: draft.id ?? randomUUID(),
    type: draft.type,
    version: isMessageType(draft.type) ? latestVersionOf(draft.type) : 1,
    source,
    aggregateId: draft.aggregateId,
    occurredAt: (draft.occurredAt ?? new Date()).toISOString(),
    ...(draft.correlationId === undefined ? {} : { correlationId: draft.correlationId }),
    ...(draft.causationId === undefined ? {} : { causationId: draft.causationId }),
    payload: draft.payload,
  };
  const result = validateEnvelope(candidate);
  if (!result.ok) throw new MessageValidationError(result.error);
  return result.envelope as Envelope<T>;
}
