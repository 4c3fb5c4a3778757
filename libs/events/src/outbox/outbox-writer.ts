import type { EntityManager } from 'typeorm';
import type { Envelope } from '../schemas/envelope';
import { messageHeaders } from '../schemas/headers';
import type { MessageType } from '../schemas/message-schemas';
import { assertTopicName } from '../schemas/topics';
import { createEnvelope, MessageValidationError, type MessageDraft } from '../schemas/validation';
import { captureTraceContext } from '../tracing/trace-context';
import type { OutboxCommitSignal } from './outbox-commit-signal';

/** Kafka's default max.message.bytes is about 1 MB; a bigger row could never leave the outbox and would stall it. */
export const MAX_MESSAGE_BYTES = 900_000;

export interface OutboxDraft<T extends MessageType = MessageType> extends MessageDraft<T> {
  topic: string;
}

/**
 * Writes messages into the outbox IN THE CALLER'S TRANSACTION: the message
 * exists exactly when the state change it announces does. Validates against
 * the schema registry first (a bad message fails the caller's transaction, it
 * never reaches Kafka), and records the active trace context in the headers.
 */
export class OutboxWriter {
  constructor(
    /** The producing service's name (the envelope's `source`). */
    private readonly source: string,
    private readonly signal?: OutboxCommitSignal,
  ) {}

  async write<T extends MessageType>(manager: EntityManager, draft: OutboxDraft<T>): Promise<Envelope<T>> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error(
        'OutboxWriter.write needs the EntityManager of a running transaction (dataSource.transaction(async (tx) => ...)): ' +
          'the message must commit or roll back together with the change it announces',
      );
    }
    assertTopicName(draft.topic);
    const envelope = createEnvelope(this.source, draft);
    const value = JSON.stringify(envelope);
    if (Buffer.byteLength(value) > MAX_MESSAGE_BYTES) {
      throw new MessageValidationError(`${envelope.type} ${envelope.id} is ${Buffer.byteLength(value)} bytes; at most ${MAX_MESSAGE_BYTES}`);
    }
    const headers = messageHeaders(envelope, captureTraceContext());
    await manager.query(
      `INSERT INTO outbox (id, topic, message_key, message_type, payload, headers) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
      [envelope.id, draft.topic, envelope.aggregateId, envelope.type, value, JSON.stringify(headers)],
    );
    this.signal?.written(manager);
    return envelope;
  }
}
