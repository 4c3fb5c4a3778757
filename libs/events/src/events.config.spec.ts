import { z } from 'zod';
import { eventsConfig, eventsSettingsFrom } from './events.config';

describe('events configuration', () => {
  it('has defaults for a service that does not declare the variables', () => {
    const settings = eventsSettingsFrom({ PORT: 3003 });
    expect(settings.topics).toEqual({ partitions: 3, replicationFactor: -1 });
    expect(settings.relay).toEqual({ batchSize: 100, pollIntervalMs: 1_000, retentionMs: 86_400_000 });
    expect(settings.consumer).toMatchObject({
      maxAttempts: 5,
      retryBackoff: { initialMs: 200, maxMs: 10_000 },
      lagSampleIntervalMs: 15_000,
      restartBackoff: { initialMs: 500, maxMs: 30_000 },
      readinessGraceMs: 60_000,
    });
    expect(settings.inboxRetentionMs).toBe(14 * 86_400_000);
  });

  it('takes the values a service validated from its environment (spread into its config extension)', () => {
    const validated = z.object(eventsConfig).parse({
      KAFKA_TOPIC_PARTITIONS: '6',
      KAFKA_TOPIC_REPLICATION_FACTOR: '3',
      CONSUMER_MAX_ATTEMPTS: '8',
      OUTBOX_BATCH_SIZE: '50',
      CONSUMER_RESTART_MAX_DELAY_MS: '5000',
      CONSUMER_READINESS_GRACE_MS: '0',
    });
    const settings = eventsSettingsFrom(validated);
    expect(settings.topics).toEqual({ partitions: 6, replicationFactor: 3 });
    expect(settings.consumer.topicSettings).toEqual({ partitions: 6, replicationFactor: 3 });
    expect(settings.consumer.maxAttempts).toBe(8);
    expect(settings.relay.batchSize).toBe(50);
    expect(settings.consumer.restartBackoff).toEqual({ initialMs: 500, maxMs: 5_000 });
    expect(settings.consumer.readinessGraceMs).toBe(0);
  });

  it('rejects nonsense the same way the platform does (zod, at start-up)', () => {
    expect(() => z.object(eventsConfig).parse({ KAFKA_TOPIC_PARTITIONS: '0' })).toThrow(/greater than or equal to 1/);
  });
});
