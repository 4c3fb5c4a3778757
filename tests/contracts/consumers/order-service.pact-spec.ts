import { MatchersV3 as M } from '@pact-foundation/pact';
import { replyTypesOf, type SagaDefinition } from '@ecotrack/saga';
import { ServiceCredential } from '@ecotrack/platform';
import { topics } from '@ecotrack/events';
import { UnprocessableEntityException } from '@nestjs/common';
import type { OrderConfig } from '../../../apps/order-service/src/config';
import { cancelOrderSaga } from '../../../apps/order-service/src/orders/saga/cancel-order.saga';
import { createOrderSaga } from '../../../apps/order-service/src/orders/saga/create-order.saga';
import { ProductClient, PRODUCT_SERVICE_ROUTES } from '../../../apps/order-service/src/product-client/product-client';
import { expectJwks, expectMessage } from '../support/consumer';
import { consumerPact } from '../support/pact';

/** Products the provider state creates, by these ids (the request names them). */
export const BASKET = ['5b7f8a8e-3c1d-4a5e-9f00-000000000001', '5b7f8a8e-3c1d-4a5e-9f00-000000000002'];
const UNKNOWN = '5b7f8a8e-3c1d-4a5e-9f00-0000000000ff';

const noOutcomes = { completed: async () => undefined, rejected: async () => undefined };
const SAGAS: SagaDefinition<never>[] = [createOrderSaga(1_000, noOutcomes), cancelOrderSaga(1_000, noOutcomes)] as unknown as SagaDefinition<never>[];
const PARTICIPANT_OF_TOPIC: Record<string, string> = { [topics.product.commands]: 'product-service', [topics.payment.commands]: 'payment-service' };

/** Each reply the sagas wait for, with the participant that sends it: the one its step's command goes to. */
function repliesBy(participant: string): string[] {
  const sample = { orderId: BASKET[0], customerId: BASKET[0], reservationId: BASKET[0], paymentId: BASKET[0], lines: [], amountCents: 1, currency: 'EUR', payment: { provider: 'stripe', paymentMethodToken: 'pm' } };
  return SAGAS.flatMap((saga) =>
    saga.steps.flatMap((step) => {
      const replies = replyTypesOf({ ...saga, steps: [step] });
      return PARTICIPANT_OF_TOPIC[step.invoke(sample as never).topic] === participant ? replies : [];
    }),
  );
}

const client = (url: string) =>
  new ProductClient({ PRODUCT_SERVICE_URL: url, PRODUCT_SERVICE_TIMEOUT_MS: 5_000 } as OrderConfig, new ServiceCredential({} as never, { name: 'order-service' } as never));

describe('order-service consumes product-service', () => {
  const pact = consumerPact('order-service', 'product-service');
  const batch = PRODUCT_SERVICE_ROUTES.batch;

  it(`prices a basket with one ${batch.method} ${batch.path}`, async () => {
    await pact
      .addInteraction()
      .given('products exist', { ids: BASKET })
      .uponReceiving('the products of a basket')
      .withRequest(batch.method, batch.path, (request) => request.query({ ids: BASKET }))
      .willRespondWith(200, (response) =>
        response.jsonBody({
          items: M.eachLike({ id: M.uuid(BASKET[0]), name: M.string('Bamboo toothbrush'), priceCents: M.integer(450), currency: M.regex('^[A-Z]{3}$', 'EUR'), carbonKgCo2e: M.number(0.3) }),
          missing: [],
        }),
      )
      .executeTest(async (server) => {
        const products = await client(server.url).getProducts(BASKET);
        expect([...products.values()][0]).toMatchObject({ priceCents: 450, currency: 'EUR', carbonKgCo2e: 0.3 });
      });
  });

  it('refuses a basket naming an unknown product', async () => {
    await pact
      .addInteraction()
      .given('no product has the id', { id: UNKNOWN })
      .uponReceiving('a batch naming an unknown product')
      .withRequest(batch.method, batch.path, (request) => request.query({ ids: UNKNOWN }))
      .willRespondWith(200, (response) => response.jsonBody({ items: [], missing: M.eachLike(M.uuid(UNKNOWN)) }))
      .executeTest(async (server) => {
        await expect(client(server.url).getProducts([UNKNOWN])).rejects.toBeInstanceOf(UnprocessableEntityException);
      });
  });

  it.each(repliesBy('product-service'))('reads the %s reply', (type) =>
    expectMessage(pact, { type: type as never, version: 1, topic: topics.order.sagaReplies, correlated: true }),
  );
});

describe('order-service consumes payment-service', () => {
  const pact = consumerPact('order-service', 'payment-service');
  it.each(repliesBy('payment-service'))('reads the %s reply', (type) =>
    expectMessage(pact, { type: type as never, version: 1, topic: topics.order.sagaReplies, correlated: true }),
  );
});

describe('order-service consumes user-service', () => {
  it("verifies tokens with user-service's JWKS", () => expectJwks(consumerPact('order-service', 'user-service')));
});
