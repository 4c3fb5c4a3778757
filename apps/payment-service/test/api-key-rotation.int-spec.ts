import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { startInProcess, startStripeFront, startStripeMock, startTestIdentity, type StripeFront, type VendorMock, waitUntil } from '@ecotrack/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { paymentConfig } from '../src/config';
import { service } from '../src/service';

/**
 * An API key rotated in OpenBao is used from the next gateway call on, without a restart:
 * the service polls its KV entry, reloads its configuration in place, and the gateways are
 * rebuilt from the new key. The Stripe key reaches the service only through OpenBao.
 */
const env = process.env as Record<string, string>;
const environment = `keyrot-${randomUUID().slice(0, 8)}`;
const kvPath = `secret/data/ecotrack/${environment}/payment-service`;
const newKey = () => `sk_test_${randomBytes(24).toString('hex')}`;

/** The operator (or a rotation job with the secrets-rotator policy) writes the new key. */
async function writeKv(data: Record<string, string>): Promise<void> {
  const response = await fetch(`${env.OPENBAO_ADDR}/v1/${kvPath}`, {
    method: 'POST',
    headers: { 'X-Vault-Token': env.OPENBAO_DEV_ROOT_TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ data }),
  });
  expect(response.status).toBe(200);
}

describe('payment-service API key rotation (OpenBao KV, live reload)', () => {
  let mock: VendorMock;
  let front: StripeFront;
  let app: NestFastifyApplication;
  let token: string;
  const orderIds: string[] = [];

  const authorize = async () => {
    const orderId = randomUUID();
    orderIds.push(orderId);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { orderId, provider: 'stripe', amountCents: 1500, currency: 'EUR', paymentMethodToken: 'pm_card_visa' },
    });
    expect(response.statusCode).toBe(201);
    return front.requests.filter((r) => r.params['metadata[orderId]'] === orderId).map((r) => r.apiKey);
  };

  beforeAll(async () => {
    mock = await startStripeMock();
    front = await startStripeFront({ stripeMockUrl: mock.baseUrl });
    const identity = await startTestIdentity(env.REDIS_URL);
    await writeKv({ stripe_secret_key: newKey() });
    app = await startInProcess({ ...service, module: AppModule, config: paymentConfig, secrets: openBaoSecretSource }, env, {
      JWT_JWKS_URL: identity.jwksUrl,
      STRIPE_API_BASE: front.url,
      OPENBAO_ENVIRONMENT: environment,
      OPENBAO_KV_REFRESH_MS: '1000',
    });
    token = await identity.token(['admin']);
  }, 10 * 60_000);

  afterAll(async () => {
    await app?.get(DataSource).query(`DELETE FROM payments WHERE order_id = ANY($1::uuid[])`, [orderIds]);
    await app?.close();
    await front?.stop();
    await mock?.stop();
    await fetch(`${env.OPENBAO_ADDR}/v1/secret/metadata/ecotrack/${environment}/payment-service`, {
      method: 'DELETE',
      headers: { 'X-Vault-Token': env.OPENBAO_DEV_ROOT_TOKEN },
    });
  });

  it('calls Stripe with the key from OpenBao, then with the rotated key once it is written', async () => {
    const first = (await (await fetch(`${env.OPENBAO_ADDR}/v1/${kvPath}`, { headers: { 'X-Vault-Token': env.OPENBAO_DEV_ROOT_TOKEN } })).json()) as {
      data: { data: { stripe_secret_key: string } };
    };
    expect(await authorize()).toEqual([first.data.data.stripe_secret_key]);

    const second = newKey();
    await writeKv({ stripe_secret_key: second });
    const used = await waitUntil('Stripe to be called with the rotated key', authorize, (keys) => keys[0] === second, { timeoutMs: 15_000, intervalMs: 500 });
    expect(used).toEqual([second]);
    // And it stays on the new key.
    expect(await authorize()).toEqual([second]);
  }, 60_000);
});
