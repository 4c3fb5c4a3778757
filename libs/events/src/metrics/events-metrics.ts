import { Counter, Gauge, Registry } from 'prom-client';

export type ConsumeResult = 'processed' | 'duplicate' | 'retried' | 'dead_lettered' | 'ignored';
/** Why a consumer was restarted: it could not connect and join, kafkajs reported a crash, or it stopped unasked. */
export type RestartReason = 'connect_failed' | 'crash' | 'stopped';
const RESTART_REASONS: readonly RestartReason[] = ['connect_failed', 'crash', 'stopped'];

const byRegistry = new WeakMap<Registry, EventsMetrics>();

/**
 * The messaging metrics of one service (its prom-client registry):
 *   ecotrack_outbox_backlog, ecotrack_outbox_oldest_age_seconds   relay falling behind, or Kafka down
 *   ecotrack_outbox_published_total{topic}, ecotrack_outbox_publish_failures_total
 *   ecotrack_messages_consumed_total{topic,type,result}           processed|duplicate|retried|dead_lettered|ignored
 *   ecotrack_dead_letters_total{topic}                            by ORIGINAL topic
 *   ecotrack_consumer_lag{group,topic,partition}                  every instance reports the whole group: aggregate with max
 *   ecotrack_consumer_restarts_total{group,reason}                connect_failed|crash|stopped: this instance's consumer started anew
 *   ecotrack_consumer_in_group{group}                             1 while this instance's consumer is in its group, else 0
 * One instance per registry (`EventsMetrics.for`), since a registry refuses a name twice.
 */
export class EventsMetrics {
  readonly outboxBacklog: Gauge;
  readonly outboxOldestAge: Gauge;
  readonly outboxPublished: Counter<'topic'>;
  readonly outboxPublishFailures: Counter;
  readonly consumed: Counter<'topic' | 'type' | 'result'>;
  readonly deadLetters: Counter<'topic'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly consumerRestarts: Counter<'group' | 'reason'>;
  readonly consumerInGroup: Gauge<'group'>;

  static for(registry: Registry = new Registry()): EventsMetrics {
    let metrics = byRegistry.get(registry);
    if (!metrics) {
      metrics = new EventsMetrics(registry);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(readonly registry: Registry) {
    const registers = [registry];
    this.outboxBacklog = new Gauge({
      name: 'ecotrack_outbox_backlog',
      help: 'Outbox messages written but not yet published to Kafka (sampled by the relay)',
      registers,
    });
    this.outboxOldestAge = new Gauge({
      name: 'ecotrack_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox message, 0 when none (sampled by the relay)',
      registers,
    });
    this.outboxPublished = new Counter({
      name: 'ecotrack_outbox_published_total',
      help: 'Outbox messages published to Kafka by this instance, by topic',
      labelNames: ['topic'],
      registers,
    });
    this.outboxPublishFailures = new Counter({
      name: 'ecotrack_outbox_publish_failures_total',
      help: 'Relay rounds that stopped because Kafka refused or did not answer (messages kept for the next round)',
      registers,
    });
    this.consumed = new Counter({
      name: 'ecotrack_messages_consumed_total',
      help: 'Messages taken from Kafka by result: processed, duplicate (inbox), retried (handler failed, tried again), dead_lettered, ignored (no handler here)',
      labelNames: ['topic', 'type', 'result'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'ecotrack_dead_letters_total',
      help: 'Messages sent to a dead-letter topic, by original topic',
      labelNames: ['topic'],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'ecotrack_consumer_lag',
      help: 'Messages in a partition not yet committed by the consumer group (sampled); every instance reports the whole group',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.consumerRestarts = new Counter({
      name: 'ecotrack_consumer_restarts_total',
      help: 'Times this instance started its consumer anew after it ended, by reason: connect_failed (could not connect and join), crash, stopped (stopped unasked)',
      labelNames: ['group', 'reason'],
      registers,
    });
    this.consumerInGroup = new Gauge({
      name: 'ecotrack_consumer_in_group',
      help: "1 while this instance's consumer is a member of its group with partitions assigned (not rebalancing), else 0",
      labelNames: ['group'],
      registers,
    });
    this.outboxPublishFailures.inc(0);
  }

  /** A consumer's series exist from its start: out of its group until it joins, no restart yet. */
  watchConsumer(group: string): void {
    this.consumerInGroup.set({ group }, 0);
    for (const reason of RESTART_REASONS) this.consumerRestarts.inc({ group, reason }, 0);
  }

  /** Every series of a topic exists from the start, so rate() and alerts see the first increment. */
  watchTopic(topic: string): void {
    this.deadLetters.inc({ topic }, 0);
  }
}
