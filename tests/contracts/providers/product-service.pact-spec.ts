import { topics, type CommandPayloads } from '@ecotrack/events';
import { SagaPlayer, type SagaIds } from '@ecotrack/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { adminClient, closeTestIdentity, consumersJoined, Fixtures, startInventorySaga, startProductService } from '../../../apps/product-service/test/support';
import { ReadCache } from '../../../apps/product-service/src/cache/read-cache';
import { Product } from '../../../apps/product-service/src/catalog/product.entity';
import { outboxEnvelope, outboxMessage, outboxPosition, verifyProvider } from '../support/provider';

interface Envelope {
  type: string;
  payload: Record<string, unknown>;
}

/**
 * product-service against its consumers' pacts (order-service's and its own cache's): the batch
 * read served by the real application on a port, and every reply and event taken from its outbox
 * after driving its own code: saga commands over the real broker (the test plays order-service)
 * and a price change through its admin API.
 */
describe('product-service as a provider (real PostgreSQL, Redis, Kafka)', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let fixtures: Fixtures;
  let saga: SagaPlayer<CommandPayloads>;
  const reservationIds: string[] = [];

  /** The newest envelope of `type` written after `after`, checked to be about `subject` (the shared database has other writers). */
  async function written(topic: string, type: string, after: number, field: string, subject: string): Promise<Envelope> {
    const envelope = (await outboxEnvelope(db, topic, type, after)) as Envelope;
    if (envelope.payload[field] !== subject) throw new Error(`the newest ${type} in the outbox is about ${String(envelope.payload[field])}, not ${subject}`);
    return envelope;
  }

  /**
   * What product-service answered to a command: the reply it wrote to its outbox (found by the
   * reply's id), whatever its type, so a renamed reply shows as a renamed reply.
   */
  async function answerTo(command: { id: string; type: string }): Promise<unknown> {
    const reply = await saga.reply(command);
    return outboxMessage(db, reply.envelope.id);
  }

  const answer = async <T extends keyof CommandPayloads & string>(type: T, ids: SagaIds, payload: CommandPayloads[T]) => answerTo(await saga.send(type, ids, payload));

  /** A saga's reservation of `quantity` units of a new product with `stock`, and product-service's reply. */
  async function reservation(stock: number, quantity: number) {
    const productId = await fixtures.product({ stock });
    const ids = SagaPlayer.saga();
    const reservationId = randomUUID();
    reservationIds.push(reservationId);
    const before = await outboxPosition(db);
    const reply = await answer('ReserveInventory', ids, { reservationId, orderId: ids.orderId, lines: [{ productId, quantity }] });
    return { productId, ids, reservationId, before, reply };
  }

  beforeAll(async () => {
    app = await startProductService({ CACHE_WARM_TOP_N: '0' });
    db = app.get(DataSource);
    fixtures = await new Fixtures(db).setUp();
    await app.listen(0, '127.0.0.1');
    await consumersJoined(app);
    saga = await startInventorySaga();
  }, 180_000);

  afterAll(async () => {
    await saga?.stop();
    await db?.query(`DELETE FROM stock_reservation_refusals WHERE reservation_id = ANY($1::uuid[])`, [reservationIds]);
    await fixtures?.tearDown();
    await app?.close();
    await closeTestIdentity();
  }, 60_000);

  it('satisfies every consumer pact', async () => {
    const products = db.getRepository(Product);
    const cache = app.get(ReadCache);
    const verified = await verifyProvider({
      provider: 'product-service',
      baseUrl: await app.getUrl(),
      stateHandlers: {
        /** Exactly these ids, through product-service's own entity (its API gives ids itself); cached copies dropped. */
        'products exist': async (params?: unknown) => {
          const { ids } = params as { ids: string[] };
          for (const [i, id] of ids.entries()) {
            await products.upsert(
              { id, sku: `PACT-${id}`, name: `Contract product ${i + 1}`, category: fixtures.category, priceCents: 450 + i, currency: 'EUR', carbonKgCo2e: 0.3, stock: 10 },
              ['id'],
            );
            fixtures.own(id);
          }
          await cache.forgetProducts(ids, { searches: false });
          return undefined;
        },
        'no product has the id': async (params?: unknown) => {
          const { id } = params as { id: string };
          await db.query(`DELETE FROM stock_reservations WHERE product_id = $1`, [id]);
          await products.delete({ id });
          await cache.forgetProducts([id], { searches: false });
          return undefined;
        },
      },
      messages: {
        InventoryReserved: async () => (await reservation(5, 2)).reply,
        // More than the stock: refused.
        InventoryReservationFailed: async () => (await reservation(1, 2)).reply,
        ReservationConfirmed: async () => {
          const { ids, reservationId } = await reservation(5, 1);
          return answer('ConfirmReservation', ids, { reservationId });
        },
        ReservationReleased: async () => {
          const { ids, reservationId } = await reservation(5, 1);
          return answer('ReleaseReservation', ids, { reservationId, reason: 'payment declined' });
        },
        // The cancel saga of a confirmed order (a saga of its own, the same order).
        ReservationRestocked: async () => {
          const { ids, reservationId } = await reservation(5, 1);
          await answer('ConfirmReservation', ids, { reservationId });
          const cancel = { ...SagaPlayer.saga(), orderId: ids.orderId };
          return answer('RestockReservation', cancel, { reservationId, orderId: ids.orderId });
        },
        StockChanged: async () => {
          const { productId, before } = await reservation(5, 2);
          return written(topics.product.events, 'StockChanged', before, 'productId', productId);
        },
        ProductPriceChanged: async () => {
          const productId = await fixtures.product({ priceCents: 1000 });
          const before = await outboxPosition(db);
          const changed = await (await adminClient(app)).inject({ method: 'PATCH', url: `/v1/products/${productId}`, payload: { priceCents: 1250 } });
          if (changed.statusCode !== 200) throw new Error(`the price change answered ${changed.statusCode}: ${changed.body}`);
          return written(topics.product.events, 'ProductPriceChanged', before, 'productId', productId);
        },
      },
    });
    console.log(`verified:\n${verified.join('\n')}`);
    expect(verified).toHaveLength(9);
  }, 300_000);
});
