import { createSign, type KeyObject } from 'node:crypto';
import * as zlib from 'node:zlib';
import { selfSignedCertificate, type TestCertificate } from '../../../test/fixtures/self-signed-certificate';
import { WebhookRejectedError } from '../../webhooks/webhook.errors';
import { paypalTransmission, PayPalSignatureVerifier, type PayPalTransmission, type PayPalVerifierOptions } from './paypal-signature';

/**
 * The offline PayPal verifier with a certificate made in memory. The signer below is written from
 * PayPal's documentation (transmissionId|transmissionTime|webhookId|crc32 decimal, SHA256withRSA),
 * with zlib's crc32, independently of the code under test.
 */
describe('PayPalSignatureVerifier', () => {
  const WEBHOOK_ID = '1JE4291016473214C';
  const CERT_URL = 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';
  const HOSTS = ['api.paypal.com', 'api.sandbox.paypal.com', 'api-m.paypal.com', 'api-m.sandbox.paypal.com'];
  const body = Buffer.from(JSON.stringify({ id: 'WH-58D329510W468432D-8HN650336L201105X', event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: { id: '42311647XV020574X' } }));
  let cert: TestCertificate;
  let fetches: string[];

  beforeAll(() => {
    cert = selfSignedCertificate();
  });
  beforeEach(() => {
    fetches = [];
  });

  const verifier = (options: Partial<PayPalVerifierOptions> = {}, pem = () => cert.pem) =>
    new PayPalSignatureVerifier({
      webhookId: WEBHOOK_ID,
      toleranceSeconds: 300,
      certHosts: HOSTS,
      fetchCertificate: async (url) => {
        fetches.push(url.href);
        return pem();
      },
      ...options,
    });

  function transmission(
    payload: Buffer,
    options: { key?: KeyObject; webhookId?: string; time?: Date; certUrl?: string; transmissionId?: string } = {},
  ): PayPalTransmission {
    const transmissionId = options.transmissionId ?? '69cd13f0-d67a-11e5-baa3-778b53f4ae55';
    const transmissionTime = (options.time ?? new Date()).toISOString();
    const signed = `${transmissionId}|${transmissionTime}|${options.webhookId ?? WEBHOOK_ID}|${zlib.crc32(payload) >>> 0}`;
    return {
      transmissionId,
      transmissionTime,
      transmissionSig: createSign('RSA-SHA256').update(signed).sign(options.key ?? cert.privateKey, 'base64'),
      certUrl: options.certUrl ?? CERT_URL,
      authAlgo: 'SHA256withRSA',
    };
  }

  const rejected = async (promise: Promise<unknown>, reason: string) => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect(error).toMatchObject({ provider: 'paypal', reason });
  };

  it('accepts a good signature, fetching the certificate from the allowed URL', async () => {
    await expect(verifier().verify(body, transmission(body))).resolves.toBeUndefined();
    expect(fetches).toEqual([CERT_URL]);
  });

  it('rejects a tampered body', async () => {
    const tampered = Buffer.from(body.toString().replace('42311647XV020574X', '42311647XV020574Y'));
    await rejected(verifier().verify(tampered, transmission(body)), 'invalid-signature');
  });

  it('rejects a signature made for another webhook id', async () => {
    await rejected(verifier().verify(body, transmission(body, { webhookId: '9XL90610J3647323C' })), 'invalid-signature');
  });

  it('rejects a tampered transmission id (it is part of the signed string)', async () => {
    const signed = transmission(body);
    await rejected(verifier().verify(body, { ...signed, transmissionId: 'another-transmission' }), 'invalid-signature');
  });

  it('rejects a signature by a key other than the certificate’s', async () => {
    const other = selfSignedCertificate();
    await rejected(verifier().verify(body, transmission(body, { key: other.privateKey })), 'invalid-signature');
  });

  it.each([
    ['another host', 'https://evil.example/v1/notifications/certs/CERT-1'],
    ['a look-alike host', 'https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1'],
    ['credentials before another host', 'https://api.paypal.com@evil.example/v1/notifications/certs/CERT-1'],
    ['an allowed host on another port', 'https://api.paypal.com:8443/v1/notifications/certs/CERT-1'],
    ['an allowed host outside the certificate path', 'https://api.paypal.com/v1/oauth2/token'],
    ['not a URL', 'api.paypal.com/v1/notifications/certs/CERT-1'],
  ])('refuses %s without fetching it', async (_case, certUrl) => {
    await rejected(verifier().verify(body, transmission(body, { certUrl })), 'certificate-url-not-allowed');
    expect(fetches).toEqual([]);
  });

  it('refuses an http certificate URL unless PAYPAL_WEBHOOK_CERT_ALLOW_HTTP is on', async () => {
    const certUrl = 'http://127.0.0.1:40123/v1/notifications/certs/CERT-local';
    const hosts = [...HOSTS, '127.0.0.1:40123'];
    await rejected(verifier({ certHosts: hosts }).verify(body, transmission(body, { certUrl })), 'certificate-url-not-allowed');
    await rejected(verifier({ certHosts: hosts }).verify(body, transmission(body, { certUrl: 'http://api.paypal.com/v1/notifications/certs/CERT-1' })), 'certificate-url-not-allowed');
    expect(fetches).toEqual([]);
    await expect(verifier({ certHosts: hosts, allowHttp: true }).verify(body, transmission(body, { certUrl }))).resolves.toBeUndefined();
    expect(fetches).toEqual([certUrl]);
  });

  it.each([
    ['301 s old', -301_000],
    ['301 s ahead', 301_000],
  ])('rejects a transmission time %s (a captured delivery replayed later), before fetching anything', async (_case, offset) => {
    await rejected(verifier().verify(body, transmission(body, { time: new Date(Date.now() + offset) })), 'stale-timestamp');
    expect(fetches).toEqual([]);
  });

  it('accepts a transmission time within the tolerance', async () => {
    await expect(verifier().verify(body, transmission(body, { time: new Date(Date.now() - 250_000) }))).resolves.toBeUndefined();
  });

  it('rejects a transmission time without a zone or not a date', async () => {
    const signed = transmission(body);
    await rejected(verifier().verify(body, { ...signed, transmissionTime: signed.transmissionTime!.replace('Z', '') }), 'stale-timestamp');
    await rejected(verifier().verify(body, { ...signed, transmissionTime: 'yesterday' }), 'stale-timestamp');
  });

  it('rejects an expired certificate and one not yet valid', async () => {
    const expired = selfSignedCertificate({ notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    await rejected(verifier({}, () => expired.pem).verify(body, transmission(body, { key: expired.privateKey })), 'certificate-invalid');
    const future = selfSignedCertificate({ notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 10 * 86_400_000) });
    await rejected(verifier({}, () => future.pem).verify(body, transmission(body, { key: future.privateKey })), 'certificate-invalid');
  });

  it('rejects what is not a certificate', async () => {
    await rejected(verifier({}, () => '<html>not a certificate</html>').verify(body, transmission(body)), 'certificate-invalid');
  });

  it('rejects missing headers, naming them, and any algorithm but SHA256withRSA', async () => {
    const signed = transmission(body);
    const error = await verifier()
      .verify(body, { ...signed, transmissionSig: undefined, certUrl: undefined })
      .catch((thrown: Error) => thrown);
    expect(error).toMatchObject({ reason: 'missing-signature', message: expect.stringContaining('paypal-transmission-sig, paypal-cert-url') });
    await rejected(verifier().verify(body, { ...signed, authAlgo: 'SHA1withRSA' }), 'unsupported-algorithm');
  });

  it('caches certificates by URL, bounded, and does not keep a failed fetch', async () => {
    const cached = verifier({ cacheSize: 2 });
    await cached.verify(body, transmission(body));
    await cached.verify(body, transmission(body));
    expect(fetches).toHaveLength(1);
    const url = (n: number) => `https://api.paypal.com/v1/notifications/certs/CERT-${n}`;
    await cached.verify(body, transmission(body, { certUrl: url(2) }));
    await cached.verify(body, transmission(body, { certUrl: url(3) })); // evicts CERT_URL, the least recently used
    await cached.verify(body, transmission(body));
    expect(fetches).toEqual([CERT_URL, url(2), url(3), CERT_URL]);

    let failures = 1;
    const flaky = verifier({}, () => {
      if (failures-- > 0) throw new Error('network down');
      return cert.pem;
    });
    await expect(flaky.verify(body, transmission(body))).rejects.toThrow('network down');
    await expect(flaky.verify(body, transmission(body))).resolves.toBeUndefined();
  });

  it('reads the transmission from lower-cased request headers; a repeated header counts as missing', () => {
    expect(
      paypalTransmission({
        'paypal-transmission-id': 'id-1',
        'paypal-transmission-time': '2026-01-01T00:00:00Z',
        'paypal-transmission-sig': ['a', 'b'],
        'paypal-cert-url': CERT_URL,
        'paypal-auth-algo': 'SHA256withRSA',
      }),
    ).toEqual({ transmissionId: 'id-1', transmissionTime: '2026-01-01T00:00:00Z', certUrl: CERT_URL, authAlgo: 'SHA256withRSA' });
  });
});
