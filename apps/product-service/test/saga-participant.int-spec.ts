import { createEnvelope, topics, type CommandPayloads, type HandlerContext } from '@ecotrack/events';
import { REDIS } from '@ecotrack/platform';
import { ownGroupAtEnd, SagaPlayer, waitUntil, type SagaIds } from '@ecotrack/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CacheInvalidation } from '../src/cache/cache-invalidation';
import { adminClient, closeTestIdentity, consumersJoined, Fixtures, metricValue, startInventorySaga, startProductService } from './support';

/**
 * product-service as a participant of the order saga, end to end through the real broker: the
 * test plays order-service (commands to product.commands, replies read from order.saga.replies)
 * against product-service running in this process with its outbox relay and its consumer.
 */
describe('product-service in the order saga (real Kafka, PostgreSQL, Redis)', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let fixtures: Fixtures;
  let saga: SagaPlayer<CommandPayloads>;
  let cacheGroup: Awaited<ReturnType<typeof ownGroupAtEnd>>;
  const reservationIds: string[] = [];

  /** A reservation id this file owns (its refusal rows are removed afterwards). */
  const newReservation = () => {
    const id = randomUUID();
    reservationIds.push(id);
    return id;
  };
  const reserve = (ids: SagaIds, reservationId: string, lines: { productId: string; quantity: number }[]) =>
    saga.send('ReserveInventory', ids, { reservationId, orderId: ids.orderId, lines });
  const reservationRows = (reservationId: string): Promise<{ status: string; quantity: number; order_id: string | null }[]> =>
    db.query(`SELECT status, quantity, order_id FROM stock_reservations WHERE reservation_id = $1 ORDER BY product_id`, [reservationId]);
  /** available + RESERVED + CONFIRMED units of a product: what it was put on sale with (RELEASED and RETURNED units are back in stock). */
  const accountedStock = async (productId: string): Promise<number> => {
    const [{ total }] = await db.query(
      `SELECT p.stock + coalesce(sum(r.quantity) FILTER (WHERE r.status IN ('RESERVED', 'CONFIRMED')), 0)::int AS total
         FROM products p LEFT JOIN stock_reservations r ON r.product_id = p.id
        WHERE p.id = $1 GROUP BY p.stock`,
      [productId],
    );
    return total;
  };
  const getProduct = async (productId: string) => (await app.inject({ method: 'GET', url: `/v1/products/${productId}` })).json();
  /** Every product.events message about a product (type and payload), in the order they were published. */
  const productEvents = (productId: string) =>
    saga.on(topics.product.events, (m) => m.envelope.payload.productId === productId).map((m) => ({ type: m.envelope.type, payload: m.envelope.payload, key: m.key }));
  /** `available` of every StockChanged about a product, in the order they were published (one key, one partition). */
  const stockChanges = (productId: string) =>
    productEvents(productId)
      .filter((event) => event.type === 'StockChanged')
      .map((event) => event.payload.available as number);
  /** Waits until the product's StockChanged events end with `available` (a fence: everything before it was published too). */
  const stockChangesUntil = (productId: string, available: number) =>
    waitUntil(`StockChanged{available: ${available}} for ${productId}`, () => stockChanges(productId), (changes) => changes[changes.length - 1] === available);

  beforeAll(async () => {
    // The cache invalidation consumes in a group of this test's own: the Redis outage test below needs
    // every product.events message handled HERE (product.commands may be served by any instance: one database).
    cacheGroup = await ownGroupAtEnd('test-product-service-cache', [topics.product.events]);
    app = await startProductService({ CACHE_WARM_TOP_N: '0', CACHE_INVALIDATION_GROUP_ID: cacheGroup.groupId });
    db = app.get(DataSource);
    fixtures = await new Fixtures(db).setUp();
    // startInProcess marks the app ready; the relay and the consumers start then, in the background.
    await consumersJoined(app);
    saga = await startInventorySaga([topics.product.events]);
  }, 180_000);

  afterAll(async () => {
    await saga?.stop();
    await db?.query(`DELETE FROM stock_reservation_refusals WHERE reservation_id = ANY($1::uuid[])`, [reservationIds]);
    await fixtures?.tearDown();
    await app?.close();
    await cacheGroup?.remove();
    await closeTestIdentity();
  }, 60_000);

  it('reserve: InventoryReserved, stock taken once; the same message again and a resend (new id) get the same answer and take nothing more', async () => {
    const productId = await fixtures.product({ stock: 10 });
    const ids = SagaPlayer.saga();
    const reservationId = newReservation();
    const command = await reserve(ids, reservationId, [{ productId, quantity: 3 }]);

    const first = await saga.reply(command);
    expect(first.envelope).toMatchObject({
      type: 'InventoryReserved',
      source: 'product-service',
      correlationId: ids.sagaId,
      causationId: command.id,
      payload: { reservationId, orderId: ids.orderId },
    });
    expect(first.key).toBe(ids.sagaId); // replies are keyed by saga
    expect(await fixtures.stockOf(productId)).toBe(7);

    await saga.deliver(command); // the identical message: the inbox drops it
    const resend = await reserve(ids, reservationId, [{ productId, quantity: 3 }]); // the saga's resend: a new message id
    const again = await saga.reply(resend);
    expect(again.envelope).toMatchObject({ type: 'InventoryReserved', payload: first.envelope.payload });
    // The duplicate was on the same partition before the resend: had it been handled, its reply would be here already.
    expect(saga.repliesTo(command)).toHaveLength(1);
    expect(saga.repliesOf(ids).map((r) => r.envelope.type)).toEqual(['InventoryReserved', 'InventoryReserved']);
    expect(await fixtures.stockOf(productId)).toBe(7);
    expect(await reservationRows(reservationId)).toEqual([{ status: 'RESERVED', quantity: 3, order_id: ids.orderId }]);

    // Releasing is the fence: StockChanged for this product in order, exactly one per effect.
    await saga.reply(await saga.send('ReleaseReservation', ids, { reservationId, reason: 'order rejected' }));
    expect(await stockChangesUntil(productId, 10)).toEqual([7, 10]);
    expect(await accountedStock(productId)).toBe(10);
  }, 120_000);

  it('refusals take nothing: out of stock (all lines or none), unknown product, another set of items; a refused id stays refused on resend', async () => {
    const [plenty, scarce] = [await fixtures.product({ stock: 5 }), await fixtures.product({ stock: 1 })];
    const ids = SagaPlayer.saga();
    const reservationId = newReservation();
    const lines = [
      { productId: plenty, quantity: 2 },
      { productId: scarce, quantity: 2 },
    ];
    const outOfStock = await saga.reply(await reserve(ids, reservationId, lines));
    expect(outOfStock.envelope).toMatchObject({
      type: 'InventoryReservationFailed',
      correlationId: ids.sagaId,
      payload: { reservationId, orderId: ids.orderId, reason: `out of stock: ${scarce}` },
    });
    expect([await fixtures.stockOf(plenty), await fixtures.stockOf(scarce)]).toEqual([5, 1]);
    expect(await reservationRows(reservationId)).toEqual([]);

    // Stock arrives, then the saga's resend of the SAME reservation: the answer it already got stands.
    await db.query(`UPDATE products SET stock = 10 WHERE id = $1`, [scarce]);
    const resent = await saga.reply(await reserve(ids, reservationId, lines));
    expect(resent.envelope).toMatchObject({ type: 'InventoryReservationFailed', payload: outOfStock.envelope.payload });
    expect([await fixtures.stockOf(plenty), await fixtures.stockOf(scarce)]).toEqual([5, 10]);
    expect(await reservationRows(reservationId)).toEqual([]);

    const unknownProduct = randomUUID();
    const other = SagaPlayer.saga();
    const unknown = await saga.reply(
      await reserve(other, newReservation(), [
        { productId: plenty, quantity: 1 },
        { productId: unknownProduct, quantity: 1 },
      ]),
    );
    expect(unknown.envelope).toMatchObject({ type: 'InventoryReservationFailed', payload: { reason: `unknown product: ${unknownProduct}` } });

    const third = SagaPlayer.saga();
    const taken = newReservation();
    expect((await saga.reply(await reserve(third, taken, [{ productId: plenty, quantity: 1 }]))).envelope.type).toBe('InventoryReserved');
    const otherItems = await saga.reply(await reserve(third, taken, [{ productId: plenty, quantity: 2 }]));
    expect(otherItems.envelope).toMatchObject({
      type: 'InventoryReservationFailed',
      payload: { reservationId: taken, reason: `reservation ${taken} exists with other items` },
    });
    expect(await fixtures.stockOf(plenty)).toBe(4);
    expect(await reservationRows(taken)).toEqual([{ status: 'RESERVED', quantity: 1, order_id: third.orderId }]);
    // The only StockChanged of `plenty` is the one reservation that succeeded: refusals announce nothing.
    expect(await stockChangesUntil(plenty, 4)).toEqual([4]);
    expect(await accountedStock(plenty)).toBe(5);
  }, 120_000);

  it('release: stock restored, a resend answers the same; releasing an unknown reservation answers released and makes a late reserve fail', async () => {
    const productId = await fixtures.product({ stock: 6 });
    const ids = SagaPlayer.saga();
    const reservationId = newReservation();
    const reserveCommand = await reserve(ids, reservationId, [{ productId, quantity: 4 }]);
    await saga.reply(reserveCommand);
    expect(await fixtures.stockOf(productId)).toBe(2);

    const released = await saga.reply(await saga.send('ReleaseReservation', ids, { reservationId, reason: 'payment declined' }));
    expect(released.envelope).toMatchObject({ type: 'ReservationReleased', correlationId: ids.sagaId, payload: { reservationId } });
    expect(await fixtures.stockOf(productId)).toBe(6);
    const releasedAgain = await saga.reply(await saga.send('ReleaseReservation', ids, { reservationId, reason: 'payment declined' }));
    expect(releasedAgain.envelope).toMatchObject({ type: 'ReservationReleased', payload: { reservationId } });
    expect(await fixtures.stockOf(productId)).toBe(6);
    expect(await reservationRows(reservationId)).toEqual([{ status: 'RELEASED', quantity: 4, order_id: ids.orderId }]);
    // A resend of the reserve after the release: its units are back in stock, so it is not "reserved".
    const lateResend = await saga.reply(await reserve(ids, reservationId, [{ productId, quantity: 4 }]));
    expect(lateResend.envelope).toMatchObject({ type: 'InventoryReservationFailed', payload: { reason: `reservation ${reservationId} was released` } });
    expect(await fixtures.stockOf(productId)).toBe(6);

    // The reserve never happened (timed out, then compensated): nothing is held, so released.
    const lost = SagaPlayer.saga();
    const neverReserved = newReservation();
    const nothingHeld = await saga.reply(await saga.send('ReleaseReservation', lost, { reservationId: neverReserved, reason: 'reserve timed out' }));
    expect(nothingHeld.envelope).toMatchObject({ type: 'ReservationReleased', correlationId: lost.sagaId, payload: { reservationId: neverReserved } });
    // ...and should that reserve still arrive, it takes nothing: nobody would ever release it.
    const tooLate = await saga.reply(await reserve(lost, neverReserved, [{ productId, quantity: 1 }]));
    expect(tooLate.envelope).toMatchObject({
      type: 'InventoryReservationFailed',
      payload: { reservationId: neverReserved, reason: 'released before it was reserved (reserve timed out)' },
    });
    expect(await fixtures.stockOf(productId)).toBe(6);
    expect(await reservationRows(neverReserved)).toEqual([]);
    expect(await stockChangesUntil(productId, 6)).toEqual([2, 6]);
    expect(await accountedStock(productId)).toBe(6);
  }, 120_000);

  it('confirm keeps the units sold (a resend answers the same); restock of the confirmed reservation puts them back, once', async () => {
    const productId = await fixtures.product({ stock: 10 });
    const ids = SagaPlayer.saga();
    const reservationId = newReservation();
    await saga.reply(await reserve(ids, reservationId, [{ productId, quantity: 2 }]));

    const confirmed = await saga.reply(await saga.send('ConfirmReservation', ids, { reservationId }));
    expect(confirmed.envelope).toMatchObject({ type: 'ReservationConfirmed', correlationId: ids.sagaId, payload: { reservationId } });
    const confirmedAgain = await saga.reply(await saga.send('ConfirmReservation', ids, { reservationId }));
    expect(confirmedAgain.envelope).toMatchObject({ type: 'ReservationConfirmed', payload: { reservationId } });
    expect(await fixtures.stockOf(productId)).toBe(8);
    expect(await reservationRows(reservationId)).toEqual([{ status: 'CONFIRMED', quantity: 2, order_id: ids.orderId }]);
    expect(await accountedStock(productId)).toBe(10);

    // The customer cancels the confirmed order: the cancel saga restocks.
    const cancel = SagaPlayer.saga();
    const cancelIds = { ...cancel, orderId: ids.orderId };
    const restocked = await saga.reply(await saga.send('RestockReservation', cancelIds, { reservationId, orderId: ids.orderId }));
    expect(restocked.envelope).toMatchObject({ type: 'ReservationRestocked', correlationId: cancel.sagaId, payload: { reservationId } });
    expect(await fixtures.stockOf(productId)).toBe(10);
    const restockedAgain = await saga.reply(await saga.send('RestockReservation', cancelIds, { reservationId, orderId: ids.orderId }));
    expect(restockedAgain.envelope).toMatchObject({ type: 'ReservationRestocked', payload: { reservationId } });
    expect(await fixtures.stockOf(productId)).toBe(10);
    expect(await reservationRows(reservationId)).toEqual([{ status: 'RETURNED', quantity: 2, order_id: ids.orderId }]);
    expect(await stockChangesUntil(productId, 10)).toEqual([8, 10]);
    expect(await accountedStock(productId)).toBe(10);
  }, 120_000);

  it('a command the reservation cannot accept is a saga bug: dead-lettered at once, no reply, no effect', async () => {
    const productId = await fixtures.product({ stock: 5 });

    const unknownConfirm = await saga.send('ConfirmReservation', SagaPlayer.saga(), { reservationId: newReservation() });
    const unknownLetter = await saga.deadLetter(unknownConfirm);
    expect(unknownLetter.headers).toMatchObject({ 'original-topic': topics.product.commands, attempts: '1' });
    expect(unknownLetter.headers.error).toMatch(/does not exist/);

    const released = SagaPlayer.saga();
    const releasedId = newReservation();
    await saga.reply(await reserve(released, releasedId, [{ productId, quantity: 1 }]));
    await saga.reply(await saga.send('ReleaseReservation', released, { reservationId: releasedId, reason: 'order rejected' }));
    const confirmReleased = await saga.send('ConfirmReservation', released, { reservationId: releasedId });
    expect((await saga.deadLetter(confirmReleased)).headers.error).toMatch(/RELEASED and cannot be confirmed/);

    const sold = SagaPlayer.saga();
    const soldId = newReservation();
    await saga.reply(await reserve(sold, soldId, [{ productId, quantity: 2 }]));
    await saga.reply(await saga.send('ConfirmReservation', sold, { reservationId: soldId }));
    const releaseSold = await saga.send('ReleaseReservation', sold, { reservationId: soldId, reason: 'order rejected' });
    expect((await saga.deadLetter(releaseSold)).headers.error).toMatch(/CONFIRMED \(sold\) and cannot be released/);

    // A later command of the same saga is answered: the partition moved on, and the refused ones got no reply.
    await saga.reply(await saga.send('ConfirmReservation', sold, { reservationId: soldId }));
    await saga.reply(await saga.send('ReleaseReservation', released, { reservationId: releasedId, reason: 'order rejected' }));
    for (const refused of [unknownConfirm, confirmReleased, releaseSold]) expect(saga.repliesTo(refused)).toEqual([]);
    expect(await reservationRows(releasedId)).toEqual([{ status: 'RELEASED', quantity: 1, order_id: released.orderId }]);
    expect(await reservationRows(soldId)).toEqual([{ status: 'CONFIRMED', quantity: 2, order_id: sold.orderId }]);
    expect(await fixtures.stockOf(productId)).toBe(3);
    expect(await accountedStock(productId)).toBe(5);
  }, 120_000);

  it('admin writes announce what they change: StockChanged on create, stock update and HTTP reservation; ProductPriceChanged on a price update', async () => {
    const admin = await adminClient(app);
    const created = await admin.inject({
      method: 'POST',
      url: '/v1/products',
      payload: { sku: `IT-EV-${randomUUID().slice(0, 8).toUpperCase()}`, name: 'Evented', category: fixtures.category, priceCents: 500, currency: 'EUR', carbonKgCo2e: 0.2, stock: 12 },
    });
    expect(created.statusCode).toBe(201);
    const productId: string = created.json().id;
    fixtures.own(productId);
    const patch = async (changes: Record<string, unknown>) => expect((await admin.inject({ method: 'PATCH', url: `/v1/products/${productId}`, payload: changes })).statusCode).toBe(200);
    await patch({ name: 'Evented, renamed' }); // neither stock nor price: nothing to announce
    await patch({ priceCents: 650 });
    await patch({ stock: 15, priceCents: 650 }); // the price did not change
    await patch({ stock: 15 }); // nor did the stock
    const reserved = await admin.inject({ method: 'POST', url: '/v1/reservations', payload: { reservationId: randomUUID(), items: [{ productId, quantity: 4 }] } });
    expect(reserved.statusCode).toBe(201);

    await stockChangesUntil(productId, 11);
    expect(productEvents(productId)).toEqual([
      { type: 'StockChanged', payload: { productId, available: 12 }, key: productId },
      { type: 'ProductPriceChanged', payload: { productId, priceCents: 650, currency: 'EUR' }, key: productId },
      { type: 'StockChanged', payload: { productId, available: 15 }, key: productId },
      { type: 'StockChanged', payload: { productId, available: 11 }, key: productId },
    ]);
  }, 120_000);

  it('a StockChanged or ProductPriceChanged consumed from product.events drops the cached product', async () => {
    const productId = await fixtures.product({ stock: 5, priceCents: 1000 });
    expect(await getProduct(productId)).toMatchObject({ stock: 5, priceCents: 1000 }); // now cached
    // Changed behind the cache's back: the cached detail is what readers get.
    await db.query(`UPDATE products SET stock = 42 WHERE id = $1`, [productId]);
    expect(await getProduct(productId)).toMatchObject({ stock: 5 });

    const stockChanged = createEnvelope('product-service', { type: 'StockChanged', aggregateId: productId, payload: { productId, available: 42 } });
    await saga.publish(topics.product.events, stockChanged);
    await waitUntil('the product read to show stock 42 after StockChanged', async () => (await getProduct(productId)).stock === 42);

    await db.query(`UPDATE products SET price_cents = 1250 WHERE id = $1`, [productId]);
    expect(await getProduct(productId)).toMatchObject({ priceCents: 1000 });
    const priceChanged = createEnvelope('product-service', {
      type: 'ProductPriceChanged',
      aggregateId: productId,
      payload: { productId, priceCents: 1250, currency: 'EUR' },
    });
    await saga.publish(topics.product.events, priceChanged);
    await waitUntil('the product read to show price 1250 after ProductPriceChanged', async () => (await getProduct(productId)).priceCents === 1250);
  }, 120_000);

  it('the product.events handler fails while Redis is away (so the consumer retries it) and drops the entry once Redis answers', async () => {
    const productId = await fixtures.product({ stock: 5 });
    expect(await getProduct(productId)).toMatchObject({ stock: 5 });
    await db.query(`UPDATE products SET stock = 3 WHERE id = $1`, [productId]);
    const handler = app.get(CacheInvalidation).handlers.find(topics.product.events, 'StockChanged')!;
    const event = createEnvelope('product-service', { type: 'StockChanged', aggregateId: productId, payload: { productId, available: 3 } });
    const context = { manager: db.manager, topic: topics.product.events, partition: 0, offset: '0', attempt: 1 } as HandlerContext;

    const redis = app.get<Redis>(REDIS);
    redis.disconnect();
    await waitUntil("the app's Redis client to be closed", () => redis.status === 'end');
    try {
      await expect(handler(event, context)).rejects.toThrow();
    } finally {
      await redis.connect();
    }
    await handler(event, { ...context, attempt: 2 });
    expect(await getProduct(productId)).toMatchObject({ stock: 3 });
  }, 60_000);

  it('Redis away for longer than a command may wait: the invalidation is retried until Redis answers, and saga commands are answered meanwhile', async () => {
    const [productId, otherProduct] = [await fixtures.product({ stock: 9 }), await fixtures.product({ stock: 9 })];
    expect(await getProduct(productId)).toMatchObject({ stock: 9 }); // cached
    const consumed = (result: string) => metricValue(app, 'ecotrack_messages_consumed_total', { topic: topics.product.events, type: 'StockChanged', result });
    const [retriedBefore, deadBefore] = [await consumed('retried'), await consumed('dead_lettered')];
    const redis = app.get<Redis>(REDIS);
    redis.disconnect();
    await waitUntil("the app's Redis client to be closed", () => redis.status === 'end');
    try {
      await saga.reply(await reserve(SagaPlayer.saga(), newReservation(), [{ productId, quantity: 2 }]));
      // Its StockChanged cannot drop the cached product: the handler fails and is retried, holding its partition,
      // past the 5 attempts a saga command gets (CONSUMER_MAX_ATTEMPTS): the cache has its own budget.
      await waitUntil('the StockChanged invalidation to be retried 5 times', async () => (await consumed('retried')) >= retriedBefore + 5);
      // The saga's commands do not wait behind it: the cache consumes in a group of its own.
      const meanwhile = await saga.reply(await reserve(SagaPlayer.saga(), newReservation(), [{ productId: otherProduct, quantity: 1 }]));
      expect(meanwhile.envelope.type).toBe('InventoryReserved');
    } finally {
      await redis.connect();
    }
    // Redis is back: the same message, still being retried, drops the stale entry.
    await waitUntil('the product read to show stock 7 once Redis answers', async () => (await getProduct(productId)).stock === 7);
    expect(await consumed('dead_lettered')).toBe(deadBefore);
    expect([await accountedStock(productId), await accountedStock(otherProduct)]).toEqual([9, 9]);
  }, 120_000);

  it('30 reservations of 2 against stock 20, sent at once: exactly 10 reserved, 20 refused, never oversold; stock is accounted for throughout', async () => {
    const productId = await fixtures.product({ stock: 20 });
    const orders = Array.from({ length: 30 }, () => ({ ids: SagaPlayer.saga(), reservationId: newReservation() }));
    const commands = await Promise.all(orders.map(({ ids, reservationId }) => reserve(ids, reservationId, [{ productId, quantity: 2 }])));

    await waitUntil('30 replies', () => commands.every((command) => saga.repliesTo(command).length > 0));
    const replies = commands.map((command) => saga.repliesTo(command)[0]);
    const types = replies.map((reply) => reply.envelope.type);
    expect(types.filter((type) => type === 'InventoryReserved')).toHaveLength(10);
    expect(types.filter((type) => type === 'InventoryReservationFailed')).toHaveLength(20);
    for (const failed of replies.filter((reply) => reply.envelope.type === 'InventoryReservationFailed')) {
      expect(failed.envelope.payload.reason).toBe(`out of stock: ${productId}`);
    }
    expect(await fixtures.stockOf(productId)).toBe(0);
    expect(await accountedStock(productId)).toBe(20);
    // Each product's events are published in the order its changes committed.
    expect(await stockChangesUntil(productId, 0)).toEqual([18, 16, 14, 12, 10, 8, 6, 4, 2, 0]);

    // The winners' sagas go on, half to a sale and half to a compensation, again all at once.
    const winners = orders.filter((_, i) => replies[i].envelope.type === 'InventoryReserved');
    const next = await Promise.all(
      winners.map(({ ids, reservationId }, i) =>
        i % 2 === 0 ? saga.send('ConfirmReservation', ids, { reservationId }) : saga.send('ReleaseReservation', ids, { reservationId, reason: 'order rejected' }),
      ),
    );
    await Promise.all(next.map((command) => saga.reply(command)));
    expect(await fixtures.stockOf(productId)).toBe(10);
    const [{ confirmed }] = await db.query(
      `SELECT coalesce(sum(quantity) FILTER (WHERE status = 'CONFIRMED'), 0)::int AS confirmed FROM stock_reservations WHERE product_id = $1`,
      [productId],
    );
    expect(confirmed).toBe(10);
    expect(await accountedStock(productId)).toBe(20);
    expect((await stockChangesUntil(productId, 10)).slice(10)).toEqual([2, 4, 6, 8, 10]);
  }, 180_000);
});
