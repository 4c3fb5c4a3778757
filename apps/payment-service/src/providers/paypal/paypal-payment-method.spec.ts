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

/** PayPal takes decimal amounts in the currency's own unit: the minor units we hold are converted by ISO 4217 exponent. */
describe('PayPalGateway: amounts by currency', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['EUR', '19.99'],
    ['JPY', '1999'],
    ['KWD', '1.999'],
  ])('authorizes and captures 1999 minor units of %s as %s', async (currency, value) => {
    const bodies: unknown[] = [];
    const answers = [
      { access_token: 'token', expires_in: 3600 },
      { id: 'ORDER1', status: 'CREATED' },
      { id: 'ORDER1', purchase_units: [{ payments: { authorizations: [{ id: 'AUTH1', status: 'CREATED' }] } }] },
      { id: 'CAP1', status: 'COMPLETED' },
    ];
    jest.spyOn(global, 'fetch').mockImplementation(async (_url, init) => {
      const json = String(init?.headers && (init.headers as Record<string, string>)['content-type']) === 'application/json';
      bodies.push(json ? JSON.parse(String(init!.body)) : undefined);
      return new Response(JSON.stringify(answers.shift()), { status: 200 });
    });
    const gateway = new PayPalGateway({ apiBase: 'http://paypal.test', clientId: 'id', clientSecret: 'secret' });
    await gateway.authorize({ orderId: 'o', amountCents: 1999, currency, idempotencyKey: 'k' });
    await gateway.capture({ authorizationReference: 'AUTH1', amountCents: 1999, currency, idempotencyKey: 'k2' });
    expect(bodies[1]).toMatchObject({ purchase_units: [{ amount: { currency_code: currency, value } }] });
    expect(bodies[3]).toMatchObject({ amount: { currency_code: currency, value } });
  });
});
