import { createHash } from 'node:crypto';
import { z } from 'zod';
import { internalCaller, peerSpiffeId, ServiceCredential } from './internal-caller';
import { internalCallsConfig } from './internal-calls.config';

const ORDER = 'spiffe://cluster.local/ns/ecotrack/sa/order-service';
const GATEWAY = 'spiffe://cluster.local/ns/istio-ingress/sa/istio-ingressgateway';
const ME = 'spiffe://cluster.local/ns/ecotrack/sa/product-service';
/** What Istio's inbound sidecar appends for an mTLS peer. */
const element = (peer: string) => `By=${ME};Hash=9ba61d6425303443c0748a02dd8de688468ed33be74eed6;Subject="";URI=${peer}`;

const schema = z.object(internalCallsConfig);
const credential = 'c'.repeat(48);
const digest = createHash('sha256').update(credential).digest('hex');

describe('X-Forwarded-Client-Cert', () => {
  it('names the peer of the nearest hop: the last element, the one the sidecar appended', () => {
    expect(peerSpiffeId(element(ORDER))).toBe(ORDER);
    expect(peerSpiffeId(`${element(ORDER)},${element(GATEWAY)}`)).toBe(GATEWAY);
    expect(peerSpiffeId([element(ORDER), element(GATEWAY)])).toBe(GATEWAY);
  });

  it('is not fooled by commas and semicolons inside quoted values', () => {
    const forged = `By=${ME};Subject="CN=x,URI=${ORDER};O=y";URI=${GATEWAY}`;
    expect(peerSpiffeId(forged)).toBe(GATEWAY);
    expect(peerSpiffeId(`By=${ME};Subject="a\\",b";URI="${ORDER}"`)).toBe(ORDER);
  });

  it('identifies nobody without exactly one URI', () => {
    expect(peerSpiffeId(undefined)).toBeUndefined();
    expect(peerSpiffeId('')).toBeUndefined();
    expect(peerSpiffeId(`By=${ME};Hash=abc;Subject=""`)).toBeUndefined();
    expect(peerSpiffeId(`By=${ME};URI=${ORDER};URI=${GATEWAY}`)).toBeUndefined();
  });
});

describe('internal callers', () => {
  const mesh = schema.parse({ INTERNAL_CALLER_SPIFFE_IDS: ORDER });
  const local = schema.parse({ INTERNAL_CALLER_CREDENTIAL_DIGESTS: `order-service:${digest}` });

  it('in the mesh: a listed peer identity, verified by the sidecar', () => {
    expect(internalCaller({ 'x-forwarded-client-cert': element(ORDER) }, mesh)).toBe('order-service');
    // A client cannot prepend its way in: the gateway is the nearest peer of an edge request.
    expect(internalCaller({ 'x-forwarded-client-cert': `${element(ORDER)},${element(GATEWAY)}` }, mesh)).toBeUndefined();
  });

  it('locally: the credential of the named service, checked against its digest', () => {
    expect(internalCaller({ 'x-service-credential': `order-service.${credential}` }, local)).toBe('order-service');
    expect(internalCaller({ 'x-service-credential': `order-service.${'d'.repeat(48)}` }, local)).toBeUndefined();
    expect(internalCaller({ 'x-service-credential': `payment-service.${credential}` }, local)).toBeUndefined();
    expect(internalCaller({ 'x-service-credential': credential }, local)).toBeUndefined();
  });

  it('trusts no header it was not configured to trust', () => {
    const none = schema.parse({});
    expect(internalCaller({ 'x-forwarded-client-cert': element(ORDER), 'x-service-credential': `order-service.${credential}` }, none)).toBeUndefined();
    expect(internalCaller({ 'x-forwarded-client-cert': element(ORDER) }, local)).toBeUndefined();
  });

  it('sends its own credential under its own name, and nothing without one', () => {
    const service = { name: 'order-service' } as never;
    expect(new ServiceCredential(schema.parse({ SERVICE_CREDENTIAL: credential }), service).headers()).toEqual({ 'x-service-credential': `order-service.${credential}` });
    expect(new ServiceCredential(schema.parse({}), service).headers()).toEqual({});
  });
});

describe('internal calls config', () => {
  it('parses SPIFFE ids to service names and digests per service', () => {
    const config = schema.parse({ INTERNAL_CALLER_SPIFFE_IDS: ` ${ORDER} , ${ME}`, INTERNAL_CALLER_CREDENTIAL_DIGESTS: `order-service:${digest}` });
    expect([...config.INTERNAL_CALLER_SPIFFE_IDS!]).toEqual([
      [ORDER, 'order-service'],
      [ME, 'product-service'],
    ]);
    expect(config.INTERNAL_CALLER_CREDENTIAL_DIGESTS!.get('order-service')).toBe(digest);
  });

  it('leaves unset variables absent, so a reload without them keeps what runs', () => {
    expect(Object.keys(schema.parse({}))).toEqual([]);
  });

  it.each([
    ['INTERNAL_CALLER_SPIFFE_IDS', 'cluster.local/ns/ecotrack/sa/order-service'],
    ['INTERNAL_CALLER_SPIFFE_IDS', 'spiffe://cluster.local/ecotrack/order-service'],
    ['INTERNAL_CALLER_CREDENTIAL_DIGESTS', `order-service=${digest}`],
    ['INTERNAL_CALLER_CREDENTIAL_DIGESTS', 'order-service:abc'],
    ['SERVICE_CREDENTIAL', 'short'],
  ])('refuses a malformed %s', (name, value) => {
    const result = schema.safeParse({ [name]: value });
    expect(result.success).toBe(false);
    // The message names the expected form, never the value (it may be a secret).
    expect(JSON.stringify(result.error?.issues)).not.toContain(value);
  });
});
