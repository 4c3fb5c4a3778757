import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { SagaCoordinator } from '@ecotrack/saga';
import { waitUntil } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { clientAs, closeTestIdentity, startOrderService, type Client } from './support';

/**
 * The operator's side of the order sagas: a saga nobody answers stops as FAILED after
 * SAGA_MAX_ATTEMPTS sends, is listed on GET /v1/sagas, and POST /v1/sagas/{id}/resume sends its
 * command again. Here a refund of a payment that exists nowhere: no participant ever confirms it.
 */
describe('saga operations (admin): FAILED sagas listed and resumed (real PostgreSQL and Kafka)', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let admin: Client;
  let customer: Client;
  const sagas: string[] = [];

  beforeAll(async () => {
    app = await startOrderService('http://127.0.0.1:9', {
      SAGA_STEP_TIMEOUT_MS: '300',
      SAGA_TIMEOUT_POLL_MS: '100',
      SAGA_MAX_ATTEMPTS: '2',
      SAGA_STUCK_AFTER_MS: '1000',
      // The test polls the list for many seconds: past a user's per-minute budget. Limits are not under test here.
      RATE_LIMIT_ENABLED: 'false',
    });
    db = app.get(DataSource);
    admin = await clientAs(app, ['admin']);
    customer = await clientAs(app, ['customer']);
  }, 120_000);

  afterAll(async () => {
    if (db) await db.query('DELETE FROM saga_instances WHERE id = ANY($1::uuid[])', [sagas]);
    await app?.close();
    await closeTestIdentity();
  }, 30_000);

  /** A cancel of an order whose payment nobody knows: the refund is never answered. */
  async function unansweredCancel(): Promise<{ sagaId: string; orderId: string }> {
    const orderId = randomUUID();
    const data = { orderId, customerId: customer.userId, reservationId: randomUUID(), paymentId: randomUUID() };
    const sagaId = await db.transaction((tx) => app.get(SagaCoordinator).start(tx, 'cancel-order', data));
    sagas.push(sagaId);
    return { sagaId, orderId };
  }
  const listed = async (sagaId: string) => {
    const response = await admin.inject({ method: 'GET', url: '/v1/sagas' });
    expect(response.statusCode).toBe(200);
    return (response.json().items as { id: string; status: string; attempt: number }[]).find((item) => item.id === sagaId);
  };
  const refundsSentFor = async (orderId: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE message_type = 'RefundPayment' AND message_key = $1`, [orderId]))[0].n as number;
  const metrics = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;

  it('a step past the pivot nobody answers: sent SAGA_MAX_ATTEMPTS times, then FAILED, counted and listed for the operator; resumed, sent again', async () => {
    const { sagaId, orderId } = await unansweredCancel();
    const failed = (await waitUntil('the saga to stop as FAILED', () => listed(sagaId), (item) => item?.status === 'FAILED', { intervalMs: 250 }))!;
    // At least SAGA_MAX_ATTEMPTS: another order-service polling the same database (a running stack's) may have resent it first.
    expect(failed.attempt).toBeGreaterThanOrEqual(2);
    expect(failed).toEqual({
      id: sagaId,
      saga: 'cancel-order',
      orderId,
      status: 'FAILED',
      step: 'refund payment',
      phase: 'RUNNING',
      attempt: failed.attempt,
      failureReason: `refund payment: no reply after ${failed.attempt} attempts`,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect(await refundsSentFor(orderId)).toBe(failed.attempt);
    await sleep(1_000); // several polls: nothing more is sent
    expect(await refundsSentFor(orderId)).toBe(failed.attempt);
    await waitUntil('the failed gauge', metrics, (text) => /^ecotrack_saga_failed\{saga="cancel-order",service="order-service"\} [1-9]/m.test(text), { intervalMs: 250 });

    const resumed = await admin.inject({ method: 'POST', url: `/v1/sagas/${sagaId}/resume` });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ id: sagaId, orderId, status: 'RUNNING', step: 'refund payment', phase: 'RUNNING', attempt: 1, failureReason: null });
    expect(await refundsSentFor(orderId)).toBe(failed.attempt + 1);
    expect(await metrics()).toMatch(/^ecotrack_saga_resumed_total\{saga="cancel-order",service="order-service"\} 1$/m);
    // Still unanswered: bounded again, FAILED again.
    await waitUntil('FAILED again', () => listed(sagaId), (item) => item?.status === 'FAILED', { intervalMs: 250 });
    expect(await refundsSentFor(orderId)).toBeGreaterThanOrEqual(failed.attempt + 2);
  }, 60_000);

  it('resume answers 404 for an unknown saga, 400 for a malformed id, 409 for a finished one; admins only', async () => {
    const unknown = await admin.inject({ method: 'POST', url: `/v1/sagas/${randomUUID()}/resume` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect((await admin.inject({ method: 'POST', url: '/v1/sagas/not-a-uuid/resume' })).statusCode).toBe(400);

    // Finished: its participants answered (as payment- and product-service would).
    const { sagaId, orderId } = await unansweredCancel();
    const coordinator = app.get(SagaCoordinator);
    for (const type of ['PaymentRefunded', 'ReservationRestocked'] as const) {
      const [{ awaiting_message_id: inReplyTo }] = await db.query('SELECT awaiting_message_id FROM saga_instances WHERE id = $1', [sagaId]);
      expect(await db.transaction((tx) => coordinator.handleReply(tx, { sagaId, inReplyTo, type, payload: { orderId } }))).toBe('applied');
    }
    const finished = await admin.inject({ method: 'POST', url: `/v1/sagas/${sagaId}/resume` });
    expect(finished.statusCode).toBe(409);
    expect(finished.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(finished.json()).toMatchObject({ type: 'urn:ecotrack:problem:saga-finished', status: 409, sagaStatus: 'COMPLETED' });

    for (const request of [{ method: 'GET' as const, url: '/v1/sagas' }, { method: 'POST' as const, url: `/v1/sagas/${sagaId}/resume` }]) {
      const forbidden = await customer.inject(request);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect((await app.inject(request)).statusCode).toBe(401);
    }
  }, 60_000);
});
