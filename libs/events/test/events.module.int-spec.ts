import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Admin } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { type ScratchDatabase, startTestService, waitUntil } from '@ecotrack/testing';
import { quietLogs, readTopic, eventsDatabase, testKafka, uniqueTopic } from './support';
import { InboxMessage } from '../src/consumer/inbox-message.entity';
import { MessageHandlers } from '../src/consumer/message-handlers';
import { eventsConfig } from '../src/events.config';
import { EventsModule } from '../src/events.module';
import { EventsRuntime } from '../src/events.runtime';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { OutboxWriter } from '../src/outbox/outbox-writer';
import { replyTo } from '../src/outbox/reply-to';
import type { Envelope } from '../src/schemas/envelope';
import { deadLetterTopic } from '../src/schemas/topics';

// This run's topics, standing in for product.commands and order.saga.replies.
const commands = uniqueTopic('module-commands');
const replies = uniqueTopic('module-replies');
const groupId = `test-module-${randomUUID()}`;

/** A feature as a service would write it: state change + command in one transaction; a handler that replies. */
@Injectable()
class Reservations implements OnModuleInit {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly handlers: MessageHandlers,
  ) {}

  onModuleInit(): void {
    this.handlers.on(commands, 'ReserveInventory', (command, { manager }) => this.reserve(command, manager));
  }

  /** "order-service": the order row and the first saga command, atomically. */
  async placeOrder(orderId: string, sagaId: string): Promise<Envelope<'ReserveInventory'>> {
    return this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO effects (what, id) VALUES ('order placed', $1)`, [orderId]);
      return this.outbox.write(tx, {
        topic: commands,
        type: 'ReserveInventory',
        aggregateId: sagaId,
        correlationId: sagaId,
        payload: { reservationId: randomUUID(), orderId, lines: [{ productId: randomUUID(), quantity: 1 }] },
      });
    });
  }

  /** "product-service": the reservation and the reply, in the inbox's transaction. */
  private async reserve(command: Envelope<'ReserveInventory'>, manager: EntityManager): Promise<void> {
    await manager.query(`INSERT INTO effects (what, id) VALUES ('stock reserved', $1)`, [command.payload.reservationId]);
    await this.outbox.write(manager, replyTo(command, { topic: replies, type: 'InventoryReserved', payload: { reservationId: command.payload.reservationId, orderId: command.payload.orderId } }));
  }
}

@Module({
  imports: [
    EventsModule.forRoot({ produces: [commands, replies], groupId, relay: { pollIntervalMs: 200 }, consumer: { maxWaitTimeMs: 200, lagSampleIntervalMs: 600_000 } }), // the lag is sampled when the consumer runs, not one interval later
  ],
  providers: [Reservations],
})
class TestServiceModule {}

describe('EventsModule in a service', () => {
  const kafka = testKafka('events-module-int-spec');
  let database: ScratchDatabase;
  let app: NestFastifyApplication;
  let admin: Admin;

  beforeAll(async () => {
    quietLogs();
    database = await eventsDatabase('module');
    const setup = await database.connect('setup');
    await setup.query(`CREATE TABLE effects (what text NOT NULL, id uuid NOT NULL)`);
    admin = kafka.admin();
    await admin.connect();
    app = await startTestService({
      name: 'events-test-service',
      module: TestServiceModule,
      entities: [OutboxMessage, InboxMessage],
      config: eventsConfig,
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: process.env.REDIS_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        LOG_LEVEL: 'warn',
        KAFKA_TOPIC_PARTITIONS: '2',
        KAFKA_TOPIC_REPLICATION_FACTOR: '1',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await admin?.deleteGroups([groupId]).catch(() => undefined);
    await admin?.deleteTopics({ topics: [commands, replies, deadLetterTopic(commands)] }).catch(() => undefined);
    await admin?.disconnect();
    await database?.drop();
  });

  it('once ready: topics exist, a command written with the order is consumed once, its reply is published; metrics show it; close() stops cleanly', async () => {
    const runtime = app.get(EventsRuntime);
    await waitUntil('the consumer to run', () => runtime.consumer?.state === 'running', Boolean, { timeoutMs: 30_000 });
    const { topics } = await admin.fetchTopicMetadata({ topics: [commands, replies, deadLetterTopic(commands)] });
    expect(topics.map((t) => t.partitions.length)).toEqual([2, 2, 2]); // KAFKA_TOPIC_PARTITIONS

    const [orderId, sagaId] = [randomUUID(), randomUUID()];
    const command = await app.get(Reservations).placeOrder(orderId, sagaId);
    const db = app.get(DataSource);
    await waitUntil('the command and its reply published', async () => (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NOT NULL`))[0].n === 2, Boolean, { timeoutMs: 30_000 });

    const [reply] = await readTopic(kafka, replies);
    expect(reply.key).toBe(sagaId);
    expect(JSON.parse(reply.value!)).toMatchObject({
      type: 'InventoryReserved',
      source: 'events-test-service',
      correlationId: sagaId,
      causationId: command.id,
      payload: { orderId, reservationId: command.payload.reservationId },
    });
    expect((await db.query(`SELECT what FROM effects ORDER BY what`)).map((r: { what: string }) => r.what)).toEqual(['order placed', 'stock reserved']);
    expect(await db.query(`SELECT consumer, message_id FROM inbox`)).toEqual([{ consumer: groupId, message_id: command.id }]);

    await waitUntil('a lag sample', async () => /ecotrack_consumer_lag\{[^}]*partition="0"/.test((await app.inject({ method: 'GET', url: '/metrics' })).body), Boolean, { timeoutMs: 30_000 });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`ecotrack_outbox_published_total{topic="${commands}",service="events-test-service"} 1`);
    expect(metrics).toContain(`ecotrack_outbox_published_total{topic="${replies}",service="events-test-service"} 1`);
    expect(metrics).toContain(`ecotrack_messages_consumed_total{topic="${commands}",type="ReserveInventory",result="processed",service="events-test-service"} 1`);
    expect(metrics).toContain(`ecotrack_dead_letters_total{topic="${commands}",service="events-test-service"} 0`);
    expect(metrics).toMatch(/^ecotrack_outbox_backlog\{service="events-test-service"\} 0$/m);

    const consumer = runtime.consumer!;
    await app.close();
    app = undefined as unknown as NestFastifyApplication;
    expect(consumer.state).toBe('stopped');
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [commands] });
    expect(partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0)).toBe(1); // committed before leaving
  }, 60_000);
});
