// Kafka connection (readiness check, shared idempotent producer)
export { KAFKA, KAFKA_PRODUCER, KafkaModule } from './kafka.module';

// Messages: envelope, schema registry, validation, headers, topics
export { envelopeSchema, type Envelope } from './schemas/envelope';
export {
  isMessageType,
  latestVersionOf,
  messageSchemas,
  schemaOf,
  versionsOf,
  type CommandPayloads,
  type CommandType,
  type LatestVersion,
  type MessageType,
  type MessageVersion,
  type OutgoingPayload,
  type PayloadOf,
  type ReplyType,
} from './schemas/message-schemas';
export {
  createEnvelope,
  formatIssues,
  MessageValidationError,
  parseMessageValue,
  validateEnvelope,
  type MessageDraft,
  type ValidationResult,
} from './schemas/validation';
export { decodeHeaders, Header, messageHeaders } from './schemas/headers';
export { emailAddress, sealed, SEALED_FIELDS_KEY } from './schemas/primitives';
export { assertTopicName, DEAD_LETTER_SUFFIX, deadLetterTopic, ensureTopics, topics, type TopicSettings } from './schemas/topics';

// Outbox
export { OutboxMessage } from './outbox/outbox-message.entity';
export { MAX_MESSAGE_BYTES, OutboxWriter, type OutboxDraft } from './outbox/outbox-writer';
export { replyTo, type ReplyDraft } from './outbox/reply-to';
export { OutboxCommitSignal } from './outbox/outbox-commit-signal';
export { DEFAULT_RELAY_SETTINGS, OutboxRelay, type OutboxRelayOptions, type OutboxRelaySettings, type RelayRound } from './outbox/outbox-relay';
export { createPublisherProducer, KafkaPublisher, type MessagePublisher, type PublisherSettings } from './outbox/kafka-publisher';

// Inbox and consumer
export { InboxMessage } from './consumer/inbox-message.entity';
export { MessageHandlers, type HandlerContext, type MessageHandler } from './consumer/message-handlers';
export {
  DEFAULT_CONSUMER_SETTINGS,
  MessageConsumer,
  type ConsumerState,
  type MessageConsumerOptions,
  type MessageConsumerSettings,
  type PartitionLag,
} from './consumer/message-consumer';
export { GroupMembership, type MembershipSettings } from './consumer/group-membership';
export { isTransientInfrastructureError, NonRetryableMessageError } from './consumer/transient-errors';
export { pruneInbox } from './consumer/inbox-retention';

// Retry, metrics, tracing
export { backoffDelay, type BackoffPolicy } from './retry/backoff';
export { EventsMetrics, type ConsumeResult, type RestartReason } from './metrics/events-metrics';
export { captureTraceContext, contextFromHeaders } from './tracing/trace-context';

// Wiring for a service
export { eventsConfig, eventsSettingsFrom, type EventsSettings } from './events.config';
export { EventsModule, type EventsModuleOptions } from './events.module';
export { EventsRuntime } from './events.runtime';
export { CreateOutboxAndInbox1764700000000 } from './migrations/1764700000000-create-outbox-and-inbox';

import { InboxMessage } from './consumer/inbox-message.entity';
import { CreateOutboxAndInbox1764700000000 } from './migrations/1764700000000-create-outbox-and-inbox';
import { OutboxMessage } from './outbox/outbox-message.entity';

/** Add to a service's entities.ts lists: `entities = [..., ...eventsEntities]`, `migrations = [..., ...eventsMigrations]`. */
export const eventsEntities = [OutboxMessage, InboxMessage];
export const eventsMigrations = [CreateOutboxAndInbox1764700000000];
