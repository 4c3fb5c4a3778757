import { z } from 'zod';
import type { MessageType, MessageVersion, PayloadOf } from './message-schemas';
import { uuid } from './primitives';

/**
 * What travels as the Kafka record value (JSON). The envelope says what the
 * message is and where it comes from; the payload is checked against the
 * registry by type and version.
 */
export const envelopeSchema = z.object({
  /** Unique per message; consumers deduplicate on it (inbox). */
  id: uuid,
  type: z.string().min(1).max(100),
  version: z.number().int().min(1),
  /** The producing service, e.g. "order-service". */
  source: z.string().min(1).max(100),
  /** The aggregate the message is about; also the Kafka key, so one aggregate's messages stay in order. */
  aggregateId: uuid,
  occurredAt: z.string().datetime({ offset: true }),
  /** The saga (or other conversation) the message belongs to; replies copy it from the command. */
  correlationId: uuid.optional(),
  /** The id of the message that caused this one. */
  causationId: uuid.optional(),
  payload: z.unknown(),
});

interface EnvelopeFields {
  id: string;
  source: string;
  aggregateId: string;
  occurredAt: string;
  correlationId?: string;
  causationId?: string;
}

/**
 * A validated message. For a union of types (the default), `type` and
 * `version` narrow `payload`:
 *   if (message.type === 'ReserveInventory') message.payload.lines ...
 */
export type Envelope<T extends MessageType = MessageType> = {
  [K in T]: {
    [V in MessageVersion<K>]: EnvelopeFields & { type: K; version: V; payload: PayloadOf<K, V> };
  }[MessageVersion<K>];
}[T];
