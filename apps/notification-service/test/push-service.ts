import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/**
 * A local Web Push service for tests, written from the RFCs with node:crypto alone (not with the
 * web-push library or its http_ece, which produce what is checked here): every request must carry
 * a valid VAPID authorization (RFC 8292) and an aes128gcm body (RFC 8188) that decrypts with the
 * subscription's private key and auth secret (RFC 8291). It answers 201, or what a test tells it to.
 */

/** A browser's side of one subscription: the keys it keeps and the ones it hands to the server. */
export interface TestSubscription {
  token: string;
  endpoint: string;
  ecdh: ECDH;
  authSecret: Buffer;
  /** What the browser's PushSubscription.toJSON() would give. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

export interface PushRequest {
  token: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ReceivedPush extends PushRequest {
  plaintext: string;
}

const b64url = (value: string) => Buffer.from(value, 'base64url');

/** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT ES256-signed with that key, `aud` the push service's origin, `exp` within 24 h, `sub` a contact. */
export function vapidProblem(authorization: string | undefined, expectedKey: string, origin: string, now = Date.now() / 1000): string | undefined {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(authorization ?? '');
  if (!match) return `Authorization is not "vapid t=..., k=...": ${authorization}`;
  const [, jwt, k] = match;
  if (k !== expectedKey) return 'k is not the application server key the browser subscribed with';
  const point = b64url(k);
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
  const [header, claims, signature] = jwt.split('.');
  const { alg, typ } = JSON.parse(b64url(header).toString('utf8')) as { alg?: string; typ?: string };
  if (alg !== 'ES256' || (typ !== undefined && typ !== 'JWT')) return `JWT header is ${JSON.stringify({ alg, typ })}, not ES256`;
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, b64url(signature))) return 'JWT signature does not verify with k';
  const { aud, exp, sub } = JSON.parse(b64url(claims).toString('utf8')) as { aud?: unknown; exp?: unknown; sub?: unknown };
  if (aud !== origin) return `aud ${String(aud)} is not the push service origin ${origin}`;
  if (typeof exp !== 'number' || exp <= now || exp > now + 24 * 3_600) return `exp ${String(exp)} is not within the next 24 h`;
  if (typeof sub !== 'string' || !/^(mailto:|https:)/.test(sub)) return `sub ${String(sub)} is not a mailto: or https: contact`;
  return undefined;
}

/** RFC 8291 §3.4 + RFC 8188: the plaintext of an aes128gcm Web Push body, for the subscription that holds `ecdh` and `authSecret`. */
export function decryptAes128gcm(body: Buffer, ecdh: ECDH, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20];
  const serverPublicKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (idLength !== 65) throw new Error(`keyid is ${idLength} bytes, not the server's 65-byte public key`);
  if (ciphertext.length > recordSize) throw new Error('more than one record');
  const ecdhSecret = ecdh.computeSecret(serverPublicKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverPublicKey]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('no last-record delimiter (0x02)');
  return padded.subarray(0, end).toString('utf8');
}

export class TestPushService {
  readonly received: ReceivedPush[] = [];
  /** Requests that broke the protocol (bad VAPID, undecryptable body, wrong headers); a test expects none. */
  readonly violations: string[] = [];
  private readonly subscriptions = new Map<string, TestSubscription>();
  /** Per subscription token: statuses to answer with, one per request, before the default 201. */
  private readonly scripted = new Map<string, number[]>();
  private server?: Server;
  origin = '';

  constructor(private readonly vapidPublicKey: () => string) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const token = /^\/push\/([\w-]+)$/.exec(request.url ?? '')?.[1] ?? '';
        const body = Buffer.concat(chunks);
        const subscription = this.subscriptions.get(token);
        const problem = subscription ? this.check(request.method, request.headers, body, subscription) : `no subscription ${token}`;
        if (typeof problem === 'string') {
          this.violations.push(`${token}: ${problem}`);
          response.writeHead(400).end(problem);
          return;
        }
        const status = this.scripted.get(token)?.shift() ?? 201;
        if (status === 201) this.received.push({ token, headers: request.headers, body, plaintext: problem.plaintext });
        response.writeHead(status, status === 201 ? { location: `${this.origin}/message/${randomBytes(6).toString('hex')}` } : {}).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A browser subscribing: a fresh P-256 key pair and auth secret, and an endpoint on this service. */
  subscribe(): TestSubscription {
    const token = randomBytes(12).toString('base64url');
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const authSecret = randomBytes(16);
    const endpoint = `${this.origin}/push/${token}`;
    const subscription = {
      token,
      endpoint,
      ecdh,
      authSecret,
      json: { endpoint, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') } },
    } satisfies TestSubscription;
    this.subscriptions.set(token, subscription);
    return subscription;
  }

  /** The next requests to this subscription are answered with these statuses. */
  answer(subscription: TestSubscription, ...statuses: number[]): void {
    this.scripted.set(subscription.token, statuses);
  }

  for(subscription: TestSubscription): ReceivedPush[] {
    return this.received.filter((push) => push.token === subscription.token);
  }

  /** The protocol checks of one request; the plaintext when all pass. */
  check(method: string | undefined, headers: IncomingHttpHeaders, body: Buffer, subscription: TestSubscription): { plaintext: string } | string {
    if (method !== 'POST') return `method ${method}`;
    if (headers['content-encoding'] !== 'aes128gcm') return `Content-Encoding ${headers['content-encoding']}`;
    if (!/^\d+$/.test(String(headers.ttl ?? ''))) return `TTL ${headers.ttl}`;
    const vapid = vapidProblem(headers.authorization, this.vapidPublicKey(), this.origin);
    if (vapid) return vapid;
    try {
      return { plaintext: decryptAes128gcm(body, subscription.ecdh, subscription.authSecret) };
    } catch (error) {
      return `body does not decrypt: ${(error as Error).message}`;
    }
  }
}
