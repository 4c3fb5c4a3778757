import { createEnvelope, MessageHandlers, type HandlerContext, type ReplyType } from '@ecotrack/events';
import { ScratchDatabase, waitUntil } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { SagaConcurrencyError, SagaCoordinator, type SagaCommandSender } from '../src/coordinator';
import { defineSaga, replyTypesOf, type SagaCommand } from '../src/definition';
import { InboxReplySource } from '../src/inbox-reply-source';
import { CreateSagaInstances1764700001000 } from '../src/saga-instances.migration';
import { SagaMetrics } from '../src/saga-metrics';
import { reserveAndAuthorize, TRIP_REPLIES, tripCommands, type Trip } from './trip-saga';

/** Commands land in a table in the caller's transaction, as the outbox does: so the test sees atomicity. */
class TableSender implements SagaCommandSender {
  async send(tx: EntityManager, command: SagaCommand, saga: { sagaId: string }): Promise<string> {
    const id = randomUUID();
    await tx.query('INSERT INTO sent_commands (id, saga_id, type, payload) VALUES ($1, $2, $3, $4)', [id, saga.sagaId, command.type, command.payload]);
    await tx.query('INSERT INTO test_outbox (id) VALUES ($1)', [id]);
    return id;
  }
}

describe('SagaCoordinator on real PostgreSQL', () => {
  let database: ScratchDatabase;
  let db: DataSource;
  let coordinator: SagaCoordinator;
  let registry: Registry;
  const outcomes: { sagaId: string; outcome: string; reason?: string }[] = [];

  const trip = defineSaga<Trip>(
    'trip',
    TRIP_REPLIES,
    reserveAndAuthorize({ reserveMs: 200, authorizeMs: 60_000 }),
    {
      completed: async (tx, sagaId) => {
        await tx.query(`INSERT INTO outcomes (saga_id, outcome) VALUES ($1, 'completed')`, [sagaId]);
        outcomes.push({ sagaId, outcome: 'completed' });
      },
      rejected: async (tx, sagaId, _data, reason) => {
        await tx.query(`INSERT INTO outcomes (saga_id, outcome, reason) VALUES ($1, 'rejected', $2)`, [sagaId, reason]);
        outcomes.push({ sagaId, outcome: 'rejected', reason });
      },
    },
  );

  const lastCommand = async (sagaId: string) =>
    (await db.query('SELECT id, type, payload FROM sent_commands WHERE saga_id = $1 ORDER BY seq DESC LIMIT 1', [sagaId]))[0] as { id: string; type: string };
  const instance = async (sagaId: string) => (await db.query('SELECT * FROM saga_instances WHERE id = $1', [sagaId]))[0];
  const start = (tripId = randomUUID()) => db.transaction((tx) => coordinator.start(tx, 'trip', { tripId }));
  const replyTo = async (sagaId: string, type: ReplyType, payload: Record<string, unknown> = {}, by: SagaCoordinator = coordinator) => {
    const awaited = await lastCommand(sagaId);
    return db.transaction((tx) => by.handleReply(tx, { sagaId, inReplyTo: awaited.id, type, payload }));
  };
  /** The timeout poller's work, done here until the instance reaches the status (generous: waits double each time). */
  const expireUntil = (by: SagaCoordinator, sagaId: string, status: string) =>
    waitUntil(
      `saga ${sagaId} to be ${status}`,
      async () => {
        await by.expireOverdue(db);
        return instance(sagaId);
      },
      (row) => row.status === status,
      { timeoutMs: 20_000, intervalMs: 50 },
    );

  beforeAll(async () => {
    database = await ScratchDatabase.create('saga_test', { entities: [], migrations: [CreateSagaInstances1764700001000] });
    db = await database.connect('saga-test');
    await db.query('CREATE TABLE sent_commands (seq bigserial, id uuid PRIMARY KEY, saga_id uuid, type text, payload jsonb)');
    await db.query('CREATE TABLE outcomes (saga_id uuid PRIMARY KEY, outcome text, reason text)');
    await db.query('CREATE TABLE test_outbox (id uuid PRIMARY KEY, published_at timestamptz)');
    registry = new Registry();
    coordinator = new SagaCoordinator(new TableSender(), new SagaMetrics(registry)).register(trip);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('start writes the instance and its first command in the caller transaction; a rollback leaves neither', async () => {
    const sagaId = await start();
    expect(await instance(sagaId)).toMatchObject({ status: 'RUNNING', step_index: 0, version: 1 });
    expect((await lastCommand(sagaId)).type).toBe('ReserveInventory');

    const rolledBack = randomUUID();
    await expect(
      db.transaction(async (tx) => {
        await coordinator.start(tx, 'trip', { tripId: 'x' }, rolledBack);
        throw new Error('the order insert failed');
      }),
    ).rejects.toThrow('the order insert failed');
    expect(await instance(rolledBack)).toBeUndefined();
    expect(await lastCommand(rolledBack)).toBeUndefined();
  });

  it('runs to completion, folding reply data in, and runs the completed hook in the same transaction', async () => {
    const sagaId = await start();
    expect(await replyTo(sagaId, 'InventoryReserved')).toBe('applied');
    expect((await lastCommand(sagaId)).type).toBe('AuthorizePayment');
    expect(await replyTo(sagaId, 'PaymentAuthorized', { paymentId: 'P-9' })).toBe('applied');
    expect(await instance(sagaId)).toMatchObject({ status: 'COMPLETED', data: { paymentId: 'P-9' }, deadline_at: null });
    expect((await db.query('SELECT outcome FROM outcomes WHERE saga_id = $1', [sagaId]))[0].outcome).toBe('completed');
  });

  it('ignores a duplicated reply and a reply to an older command', async () => {
    const sagaId = await start();
    const reserve = await lastCommand(sagaId);
    expect(await replyTo(sagaId, 'InventoryReserved')).toBe('applied');
    const again = await db.transaction((tx) => coordinator.handleReply(tx, { sagaId, inReplyTo: reserve.id, type: 'InventoryReserved', payload: {} }));
    expect(again).toBe('ignored');
    expect(await instance(sagaId)).toMatchObject({ status: 'RUNNING', step_index: 1, version: 2 });
    expect(await db.transaction((tx) => coordinator.handleReply(tx, { sagaId: randomUUID(), inReplyTo: reserve.id, type: 'InventoryReservationFailed', payload: {} }))).toBe('unknown-saga');
  });

  it('a success reply of a saga it does not know (lost with a restored database): the step is undone from the reply alone; the answer to that ends there', async () => {
    const lost = randomUUID();
    const tripId = randomUUID();
    const reply = { sagaId: lost, inReplyTo: randomUUID(), type: 'InventoryReserved' as const, payload: { reservationId: tripId, orderId: tripId } };
    expect(await db.transaction((tx) => coordinator.handleReply(tx, reply))).toBe('unknown-saga');
    expect(await lastCommand(lost)).toMatchObject({ type: 'ReleaseReservation', payload: { reservationId: tripId, reason: 'trip called off' } });
    expect(await db.query('SELECT 1 FROM saga_instances WHERE id = $1', [lost])).toEqual([]);
    // The participant's "released" finds no instance either: nothing more is sent.
    const released = { sagaId: lost, inReplyTo: randomUUID(), type: 'ReservationReleased' as const, payload: { reservationId: tripId } };
    expect(await db.transaction((tx) => coordinator.handleReply(tx, released))).toBe('unknown-saga');
    expect(await db.query('SELECT count(*)::int AS n FROM sent_commands WHERE saga_id = $1', [lost])).toEqual([{ n: 1 }]);
    // A failure reply of a lost saga did nothing to undo.
    const refused = { sagaId: randomUUID(), inReplyTo: randomUUID(), type: 'InventoryReservationFailed' as const, payload: { reservationId: tripId, orderId: tripId, reason: 'none left' } };
    expect(await db.transaction((tx) => coordinator.handleReply(tx, refused))).toBe('unknown-saga');
    expect(await db.query('SELECT count(*)::int AS n FROM sent_commands WHERE saga_id = $1', [refused.sagaId])).toEqual([{ n: 0 }]);
  });

  it('a refusal compensates in reverse and rejects with the reason', async () => {
    const sagaId = await start();
    await replyTo(sagaId, 'InventoryReserved');
    await replyTo(sagaId, 'PaymentAuthorizationFailed', { reason: 'card declined' });
    expect(await instance(sagaId)).toMatchObject({ status: 'COMPENSATING', step_index: 0, failure_reason: 'card declined' });
    expect((await lastCommand(sagaId)).type).toBe('ReleaseReservation');
    await replyTo(sagaId, 'ReservationReleased');
    expect(await instance(sagaId)).toMatchObject({ status: 'REJECTED', failure_reason: 'card declined' });
    expect((await db.query('SELECT reason FROM outcomes WHERE saga_id = $1', [sagaId]))[0].reason).toBe('card declined');
  });

  it('an overdue reply triggers compensation; a late reply to the timed-out command is then ignored', async () => {
    const sagaId = await start();
    const reserve = await lastCommand(sagaId);
    expect(await expireUntil(coordinator, sagaId, 'COMPENSATING')).toMatchObject({ failure_reason: 'reserve timed out' });
    expect((await lastCommand(sagaId)).type).toBe('ReleaseReservation');
    const late = await db.transaction((tx) => coordinator.handleReply(tx, { sagaId, inReplyTo: reserve.id, type: 'InventoryReserved', payload: {} }));
    expect(late).toBe('ignored');
  });

  it('with the outbox, a step times out only after its command was published and then not answered in time', async () => {
    const patient = new SagaCoordinator(new TableSender(), undefined, { outboxTable: 'test_outbox' }).register(trip);
    // Every other instance is already overdue: mark their commands published long ago, so only this saga is in question.
    await db.query(`UPDATE test_outbox SET published_at = now() - interval '1 hour' WHERE published_at IS NULL`);
    const sagaId = await db.transaction((tx) => patient.start(tx, 'trip', { tripId: 'kafka-down' }));
    const reserve = await lastCommand(sagaId);
    const overdue = async () => (await db.query('SELECT deadline_at < now() AS overdue FROM saga_instances WHERE id = $1', [sagaId]))[0].overdue as boolean;
    await waitUntil('the reserve step to be past its deadline', overdue);
    await patient.expireOverdue(db); // Kafka is down: the command is still in the outbox
    expect(await instance(sagaId)).toMatchObject({ status: 'RUNNING', step_index: 0 });

    await db.query('UPDATE test_outbox SET published_at = now() WHERE id = $1', [reserve.id]);
    await patient.expireOverdue(db); // just published: its 200 ms start now
    expect(await instance(sagaId)).toMatchObject({ status: 'RUNNING', step_index: 0 });

    // Not answered within 200 ms of publishing: now it times out.
    expect(await expireUntil(patient, sagaId, 'COMPENSATING')).toMatchObject({ failure_reason: 'reserve timed out' });
  });

  it('optimistic locking: of two writers holding the same version, the second fails and changes nothing', async () => {
    const sagaId = await start();
    const reserve = await lastCommand(sagaId);
    const reply = { sagaId, inReplyTo: reserve.id, type: 'InventoryReserved' as const, payload: {} };
    // Two transactions read version 1; the first commits; the second's conditional UPDATE finds version 2.
    const first = db.createQueryRunner();
    await first.connect();
    await first.startTransaction();
    await coordinator.handleReply(first.manager, reply);
    const second = db.transaction((tx) => coordinator.handleReply(tx, reply));
    const lockWaits = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [database.name]))[0].n as number;
    await waitUntil('the second writer to wait for the row the first one updated', lockWaits, (n) => n > 0);
    await first.commitTransaction();
    await first.release();
    await expect(second).rejects.toThrow(SagaConcurrencyError);
    expect(await instance(sagaId)).toMatchObject({ step_index: 1, version: 2 });
    expect(Number((await db.query('SELECT count(*) FROM sent_commands WHERE saga_id = $1', [sagaId]))[0].count)).toBe(2);
  });

  it('counts started, finished, compensated, timed-out and stuck sagas, and their durations, in the metrics', async () => {
    await coordinator.countStuck(db, 0);
    const text = await registry.metrics();
    expect(text).toMatch(/ecotrack_saga_started_total\{saga="trip"\} [1-9]/);
    expect(text).toMatch(/ecotrack_saga_finished_total\{saga="trip",outcome="completed"\} 1/);
    expect(text).toMatch(/ecotrack_saga_finished_total\{saga="trip",outcome="rejected"\} 1/);
    expect(text).toMatch(/ecotrack_saga_stuck\{saga="trip"\} [1-9]/);
    expect(text).toMatch(/ecotrack_saga_replies_ignored_total\{saga="trip"\} [1-9]/);
    // The refusal and the timeouts above each undid the reserve step (Release).
    expect(text).toMatch(/ecotrack_saga_compensations_total\{saga="trip",step="reserve"\} [1-9]/);
    expect(text).toMatch(/ecotrack_saga_timeouts_total\{saga="trip",step="reserve"\} [1-9]/);
    expect(text).toMatch(/ecotrack_saga_duration_seconds_count\{saga="trip",outcome="completed"\} 1\n/);
    expect(text).toMatch(/ecotrack_saga_duration_seconds_count\{saga="trip",outcome="rejected"\} 1\n/);
  });

  it('registering a saga subscribes the coordinator to its replies: each type its steps await, once, on its reply topic, applied in the inbox transaction', async () => {
    const handlers = new MessageHandlers();
    const routed = new SagaCoordinator(new TableSender(), undefined, { replies: new InboxReplySource(handlers) }).register(trip);
    expect(handlers.topics).toEqual([TRIP_REPLIES]);
    for (const type of replyTypesOf(trip)) expect(handlers.find(TRIP_REPLIES, type)).toBeDefined();
    expect(handlers.find(TRIP_REPLIES, 'PaymentCaptured')).toBeUndefined(); // no step of the trip awaits it
    // Another saga awaiting some of the same replies adds only its own (a reply finds its saga by id).
    const confirmOnly = defineSaga<Trip>('trip-confirm', TRIP_REPLIES, [{ name: 'confirm', invoke: tripCommands.confirm, succeeded: 'ReservationConfirmed', timeoutMs: 60_000 }], {
      completed: async () => undefined,
      rejected: async () => undefined,
    });
    routed.register(confirmOnly).register(trip);
    expect(handlers.find(TRIP_REPLIES, 'ReservationConfirmed')).toBeDefined();

    const sagaId = await db.transaction((tx) => routed.start(tx, 'trip', { tripId: randomUUID() }));
    const reserve = await lastCommand(sagaId);
    const reserved = createEnvelope('participant', {
      type: 'InventoryReserved',
      aggregateId: sagaId,
      correlationId: sagaId,
      causationId: reserve.id,
      payload: { reservationId: randomUUID(), orderId: randomUUID() },
    });
    const deliver = (message: typeof reserved) =>
      db.transaction((manager) => handlers.find(TRIP_REPLIES, message.type)!(message, { manager, topic: TRIP_REPLIES, partition: 0, offset: '0', attempt: 1 } as HandlerContext));
    await deliver({ ...reserved, correlationId: undefined }); // names no saga: not a saga reply, nothing to apply
    expect(await instance(sagaId)).toMatchObject({ status: 'RUNNING', step_index: 0, version: 1 });
    await deliver(reserved);
    expect(await instance(sagaId)).toMatchObject({ status: 'RUNNING', step_index: 1, version: 2 });
    expect((await lastCommand(sagaId)).type).toBe('AuthorizePayment');
  });

  describe('the retry bound and the operator\'s resume', () => {
    /** reserve (undone by Release), then confirm: retriable, past the pivot. Short timeouts. */
    const bounded = defineSaga<Trip>(
      'trip-bounded',
      TRIP_REPLIES,
      [
        ...reserveAndAuthorize({ reserveMs: 100, authorizeMs: 60_000 }).slice(0, 1),
        { name: 'confirm', invoke: tripCommands.confirm, succeeded: 'ReservationConfirmed', retriable: true, timeoutMs: 100 },
      ],
      {
        completed: async (tx, sagaId) => void (await tx.query(`INSERT INTO outcomes (saga_id, outcome) VALUES ($1, 'completed')`, [sagaId])),
        rejected: async (tx, sagaId, _data, reason) => void (await tx.query(`INSERT INTO outcomes (saga_id, outcome, reason) VALUES ($1, 'rejected', $2)`, [sagaId, reason])),
      },
    );
    let operator: SagaCoordinator;
    let metrics: Registry;

    beforeAll(() => {
      metrics = new Registry();
      // One coordinator knows all sagas of its database (expireOverdue looks at every instance).
      operator = new SagaCoordinator(new TableSender(), new SagaMetrics(metrics), { retryLimits: { maxAttempts: 3 } }).register(trip).register(bounded);
    });

    const commandsOf = async (sagaId: string) => ((await db.query('SELECT type FROM sent_commands WHERE saga_id = $1 ORDER BY seq', [sagaId])) as { type: string }[]).map((c) => c.type);
    const metric = async (text: RegExp) => text.test(await metrics.metrics());

    it('a compensation nobody answers is sent up to the limit, then the saga is FAILED: counted, listed, nothing more sent; resumed, it undoes and rejects with the first reason', async () => {
      const sagaId = await db.transaction((tx) => operator.start(tx, 'trip-bounded', { tripId: randomUUID() }));
      expect(await expireUntil(operator, sagaId, 'FAILED')).toMatchObject({ step_index: 0, attempt: 3, failure_reason: 'reserve timed out', deadline_at: null });
      expect(await commandsOf(sagaId)).toEqual(['ReserveInventory', 'ReleaseReservation', 'ReleaseReservation', 'ReleaseReservation']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await operator.expireOverdue(db);
      expect(await commandsOf(sagaId)).toHaveLength(4); // stopped: no more resends

      await operator.countStuck(db, 60_000);
      expect(await metric(/ecotrack_saga_finished_total\{saga="trip-bounded",outcome="failed"\} 1\n/)).toBe(true);
      expect(await metric(/ecotrack_saga_failed\{saga="trip-bounded"\} [1-9]/)).toBe(true);
      expect(await operator.listNeedingAttention(db, 60_000)).toContainEqual(
        expect.objectContaining({ id: sagaId, saga: 'trip-bounded', status: 'FAILED', step: 'reserve', phase: 'COMPENSATING', attempt: 3, failureReason: 'reserve timed out' }),
      );

      const resumed = await operator.resume(db, sagaId);
      expect(resumed).toMatchObject({ outcome: 'resumed', instance: { status: 'COMPENSATING', step: 'reserve', phase: 'COMPENSATING', attempt: 1 } });
      expect(await commandsOf(sagaId)).toEqual(['ReserveInventory', 'ReleaseReservation', 'ReleaseReservation', 'ReleaseReservation', 'ReleaseReservation']);
      expect(await metric(/ecotrack_saga_resumed_total\{saga="trip-bounded"\} 1\n/)).toBe(true);
      await replyTo(sagaId, 'ReservationReleased', {}, operator);
      expect(await instance(sagaId)).toMatchObject({ status: 'REJECTED', failure_reason: 'reserve timed out' });
      expect(await db.query('SELECT outcome, reason FROM outcomes WHERE saga_id = $1', [sagaId])).toEqual([{ outcome: 'rejected', reason: 'reserve timed out' }]);

      expect(await operator.resume(db, sagaId)).toMatchObject({ outcome: 'finished', instance: { status: 'REJECTED', phase: null } });
      expect(await operator.resume(db, randomUUID())).toEqual({ outcome: 'unknown-saga' });
    }, 60_000);

    it('past the pivot, a step nobody answers is sent up to the limit, never compensated, then FAILED; resumed, it is sent again and completes', async () => {
      const sagaId = await db.transaction((tx) => operator.start(tx, 'trip-bounded', { tripId: randomUUID() }));
      await replyTo(sagaId, 'InventoryReserved', {}, operator);
      expect(await expireUntil(operator, sagaId, 'FAILED')).toMatchObject({ step_index: 1, attempt: 3, failure_reason: 'confirm: no reply after 3 attempts' });
      expect(await commandsOf(sagaId)).toEqual(['ReserveInventory', 'ConfirmReservation', 'ConfirmReservation', 'ConfirmReservation']);
      expect(await operator.listNeedingAttention(db, 60_000)).toContainEqual(expect.objectContaining({ id: sagaId, status: 'FAILED', step: 'confirm', phase: 'RUNNING' }));

      expect(await operator.resume(db, sagaId)).toMatchObject({ outcome: 'resumed', instance: { status: 'RUNNING', step: 'confirm', attempt: 1, failureReason: null } });
      expect(await commandsOf(sagaId)).toEqual(['ReserveInventory', 'ConfirmReservation', 'ConfirmReservation', 'ConfirmReservation', 'ConfirmReservation']);
      await replyTo(sagaId, 'ReservationConfirmed', {}, operator);
      expect(await instance(sagaId)).toMatchObject({ status: 'COMPLETED', finished_at: expect.any(Date) });
    }, 60_000);
  });
});
