import { PayPalGateway } from './paypal.gateway';

/** What the authorization says about the payer's PayPal account (the Prism mock of the int test sends none). */
describe('PayPalGateway: the payer behind an authorization', () => {
  const order = (extra: Record<string, unknown>) => ({
    id: 'ORDER1',
    status: 'COMPLETED',
    purchase_units: [{ payments: { authorizations: [{ id: 'AUTH1', status: 'CREATED' }] } }],
    ...extra,
  });
  const authorizeWith = async (authorized: Record<string, unknown>) => {
    const answers = [{ access_token: 'token', expires_in: 3600 }, { id: 'ORDER1', status: 'CREATED' }, authorized];
    jest.spyOn(global, 'fetch').mockImplementation(async () => new Response(JSON.stringify(answers.shift()), { status: 200 }));
    const gateway = new PayPalGateway({ apiBase: 'http://paypal.test', clientId: 'id', clientSecret: 'secret' });
    return gateway.authorize({ orderId: 'o', amountCents: 100, currency: 'EUR', idempotencyKey: 'k' });
  };
  afterEach(() => jest.restoreAllMocks());

  it('takes the account from payment_source.paypal', async () => {
    expect(await authorizeWith(order({ payment_source: { paypal: { email_address: 'payer@example.org' } } }))).toEqual({
      providerReference: 'ORDER1',
      authorizationReference: 'AUTH1',
      status: 'authorized',
      paymentMethod: { type: 'paypal', email: 'payer@example.org' },
    });
  });

  it('falls back to payer.email_address', async () => {
    expect((await authorizeWith(order({ payer: { email_address: 'old@example.org' } }))).paymentMethod).toEqual({ type: 'paypal', email: 'old@example.org' });
  });

  it('has no payment method when PayPal names no account', async () => {
    expect(await authorizeWith(order({}))).not.toHaveProperty('paymentMethod');
  });
});
