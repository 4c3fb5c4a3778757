import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { startInProcess, startStripeMock, startTestIdentity, type TestIdentity, type VendorMock } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { paymentConfig } from '../src/config';
import { PaymentsService } from '../src/payments/payments.service';
import { service } from '../src/service';

/** The operator's side (the service's policy may not rotate): the dev root token, as `bao write -f transit/keys/<key>/rotate` would. */
async function bao(path: string, method: 'GET' | 'POST' = 'GET'): Promise<{ data: Record<string, unknown> }> {
  const response = await fetch(`${process.env.OPENBAO_ADDR}/v1/${path}`, { method, headers: { 'X-Vault-Token': process.env.OPENBAO_DEV_ROOT_TOKEN! } });
  if (!response.ok) throw new Error(`OpenBao ${method} ${path}: ${response.status}`);
  return response.status === 204 ? { data: {} } : ((await response.json()) as { data: Record<string, unknown> });
}
const latestVersion = async () => Number((await bao('transit/keys/payment-fields')).data.latest_version);
const versionOf = (ciphertext: string) => Number(/^vault:v(\d+):/.exec(ciphertext)?.[1]);

interface Row {
  failure_reason: string | null;
  failure_reason_ciphertext: string | null;
  payment_method_ciphertext: string | null;
}

/** Payment fields are transit ciphertext in PostgreSQL, plaintext only in the API; they survive a key rotation and rewrap. */
describe('payment-service: payment fields encrypted with OpenBao transit (key payment-fields)', () => {
  let stripe: VendorMock;
  let identity: TestIdentity;
  let app: NestFastifyApplication;
  let db: DataSource;
  let admin: string;
  const orderIds: string[] = [];
  /** The payment method as stripe-mock's charge fixture has it. */
  const VISA = { type: 'card', brand: 'visa', last4: '4242' };

  const call = (method: 'GET' | 'POST', url: string, token: string | undefined, payload?: object) =>
    app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const authorize = async () => {
    const orderId = randomUUID();
    orderIds.push(orderId);
    const response = await call('POST', '/v1/payments', admin, { orderId, provider: 'stripe', amountCents: 2599, currency: 'EUR', paymentMethodToken: 'pm_card_visa' });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string; paymentMethod: unknown }>();
  };
  const row = async (id: string): Promise<Row & Record<string, unknown>> => (await db.query('SELECT * FROM payments WHERE id = $1', [id]))[0];
  const expectCiphertext = (value: unknown) => expect(value).toMatch(/^vault:v\d+:[A-Za-z0-9+/=]+$/);
  /** No plaintext of the fields anywhere in the row, whatever the column. */
  const expectNoPlaintext = (stored: Record<string, unknown>, ...plaintexts: string[]) => {
    for (const plaintext of plaintexts) expect(JSON.stringify(stored)).not.toContain(plaintext);
  };
  const rewrap = async () => {
    const response = await call('POST', '/v1/admin/field-keys/rewrap', admin);
    expect(response.statusCode).toBe(200);
    return response.json<{ key: string; latestVersion: number; oldestVersionInUse: number | null; rewrapped: number; encrypted: number; skipped: number }>();
  };
  /** A FAILED payment as the saga records it (a decline the stripe-mock of this suite cannot produce over the admin API). */
  const failed = async (reason: string) => {
    const paymentId = randomUUID();
    const orderId = randomUUID();
    orderIds.push(orderId);
    await db.transaction((manager) =>
      app.get(PaymentsService).recordFailedAuthorization(manager, { paymentId, orderId, userId: randomUUID(), provider: 'stripe', amountCents: 100, currency: 'EUR' }, reason),
    );
    return paymentId;
  };

  beforeAll(async () => {
    stripe = await startStripeMock();
    identity = await startTestIdentity(process.env.REDIS_URL!);
    app = await startInProcess({ ...service, module: AppModule, config: paymentConfig, secrets: openBaoSecretSource }, process.env as Record<string, string>, {
      JWT_JWKS_URL: identity.jwksUrl,
      STRIPE_API_BASE: stripe.baseUrl,
      STRIPE_SECRET_KEY: 'sk_test_mock',
      // This suite runs the job itself.
      FIELD_KEY_REWRAP_INTERVAL_SECONDS: '0',
    });
    db = app.get(DataSource);
    admin = await identity.token(['admin']);
  }, 15 * 60_000);
  afterAll(async () => {
    await db?.query(`DELETE FROM payments WHERE order_id = ANY($1::uuid[])`, [orderIds]);
    await app?.close();
    await identity?.close();
    await stripe?.stop();
  });

  it('stores the payment method as ciphertext only; the API returns it in the clear', async () => {
    const payment = await authorize();
    expect(payment.paymentMethod).toEqual(VISA);
    const stored = await row(payment.id);
    expectCiphertext(stored.payment_method_ciphertext);
    expect(stored.failure_reason_ciphertext).toBeNull();
    expect(stored.failure_reason).toBeNull();
    expectNoPlaintext(stored, '4242', '"visa"', 'pm_card_visa');
    expect((await call('GET', `/v1/payments/${payment.id}`, admin)).json()).toMatchObject({ id: payment.id, paymentMethod: VISA, failureReason: null });
    // A transition keeps the fields as they are.
    expect((await call('POST', `/v1/payments/${payment.id}/capture`, admin)).json()).toMatchObject({ status: 'CAPTURED', paymentMethod: VISA });
    expect((await row(payment.id)).payment_method_ciphertext).toBe(stored.payment_method_ciphertext);
  });

  it('stores the decline reason as ciphertext only; the API returns it in the clear', async () => {
    const reason = `declined: Your card has insufficient funds (${randomUUID()})`;
    const id = await failed(reason);
    const stored = await row(id);
    expectCiphertext(stored.failure_reason_ciphertext);
    expect(stored.failure_reason).toBeNull();
    expectNoPlaintext(stored, reason, 'insufficient');
    expect((await call('GET', `/v1/payments/${id}`, admin)).json()).toMatchObject({ status: 'FAILED', failureReason: reason, paymentMethod: null });
  });

  it('the database refuses plaintext in the ciphertext columns', async () => {
    const { id } = await authorize();
    await expect(db.query(`UPDATE payments SET payment_method_ciphertext = '{"type":"card"}' WHERE id = $1`, [id])).rejects.toThrow(/payments_payment_method_ciphertext_check/);
    await expect(db.query(`UPDATE payments SET failure_reason_ciphertext = 'declined' WHERE id = $1`, [id])).rejects.toThrow(/payments_failure_reason_ciphertext_check/);
  });

  it('after the key is rotated, the rewrap moves every field to the latest version and they still decrypt', async () => {
    const payments = await Promise.all([authorize(), authorize()]);
    const reason = `declined: Do not honor (${randomUUID()})`;
    const failedId = await failed(reason);
    const versionBefore = await latestVersion();

    await bao('transit/keys/payment-fields/rotate', 'POST');
    const latest = await latestVersion();
    expect(latest).toBeGreaterThan(versionBefore);
    // Until rewrapped, rows keep their version and still decrypt (older versions stay usable).
    expect(versionOf((await row(payments[0].id)).payment_method_ciphertext!)).toBe(versionBefore);
    expect((await call('GET', `/v1/payments/${payments[0].id}`, admin)).json()).toMatchObject({ paymentMethod: VISA });

    const report = await rewrap();
    expect(report).toMatchObject({ key: 'payment-fields', latestVersion: latest });
    expect(report.rewrapped).toBeGreaterThanOrEqual(3);
    expect(report.oldestVersionInUse).toBe(latest);
    for (const { id } of payments) {
      const stored = await row(id);
      expect(versionOf(stored.payment_method_ciphertext!)).toBe(latest);
      expectNoPlaintext(stored, '4242');
      expect((await call('GET', `/v1/payments/${id}`, admin)).json()).toMatchObject({ paymentMethod: VISA });
    }
    const storedFailure = await row(failedId);
    expect(versionOf(storedFailure.failure_reason_ciphertext!)).toBe(latest);
    expectNoPlaintext(storedFailure, reason);
    expect((await call('GET', `/v1/payments/${failedId}`, admin)).json()).toMatchObject({ failureReason: reason });
  });

  it('encrypts a decline reason left in plaintext from before the migration', async () => {
    const id = await failed('placeholder');
    const legacy = `declined: Your card has expired (${randomUUID()})`;
    await db.query('UPDATE payments SET failure_reason = $2, failure_reason_ciphertext = NULL WHERE id = $1', [id, legacy]);
    expect((await call('GET', `/v1/payments/${id}`, admin)).json()).toMatchObject({ failureReason: legacy });

    expect((await rewrap()).encrypted).toBeGreaterThanOrEqual(1);
    const stored = await row(id);
    expect(stored.failure_reason).toBeNull();
    expectCiphertext(stored.failure_reason_ciphertext);
    expectNoPlaintext(stored, legacy);
    expect((await call('GET', `/v1/payments/${id}`, admin)).json()).toMatchObject({ failureReason: legacy });
  });

  it('the rewrap route is for admins only', async () => {
    expect((await call('POST', '/v1/admin/field-keys/rewrap', await identity.token(['customer']))).statusCode).toBe(403);
    expect((await call('POST', '/v1/admin/field-keys/rewrap', undefined)).statusCode).toBe(401);
  });
});
