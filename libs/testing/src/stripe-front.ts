import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Stripe's documented test PaymentMethod whose charge is declined (card_declined, generic_decline). */
export const STRIPE_DECLINED_PAYMENT_METHOD = 'pm_card_chargeDeclined';

/** One request as the front saw and answered it. */
export interface StripeFrontRequest {
  method: string;
  /** Without the query string, e.g. /v1/payment_intents/pi_123/capture */
  path: string;
  /** The Idempotency-Key header (our gateway derives it from the payment id and the operation). */
  idempotencyKey?: string;
  /** The API key the request was made with (the Bearer token): which key is in use after a rotation. */
  apiKey?: string;
  /** The raw request body (form-encoded). */
  body: string;
  /** The form-encoded body (and query), decoded: `payment_method`, `amount_to_capture`, `metadata[orderId]`, ... */
  params: Record<string, string>;
  /** The payment method the request is about: its own `payment_method`, or the one its PaymentIntent was created with. */
  paymentMethod?: string;
  /** What the front answered (after stripe-mock); undefined until the answer went out (a held-back one included). */
  status?: number;
  /** True when a stripe-mock success was replaced by the decline. */
  declined: boolean;
  /** How long the answer was held back. */
  delayedMs: number;
}

export interface StripeFront {
  /** Give this to the Stripe adapter as its API base. */
  url: string;
  /** Every request, logged as it ARRIVES (so a request still held back counts), answered or not. */
  requests: StripeFrontRequest[];
  /**
   * Holds back every answer about `paymentMethod` (requests naming it, and requests on a PaymentIntent
   * created with it) by `ms`, to simulate a provider that does not answer in time. 0 removes the delay.
   */
  delay(paymentMethod: string, ms: number): void;
  stop(): Promise<void>;
}

/** The PaymentIntent calls that charge a payment method: create (with confirm=true) and confirm. */
const CHARGING = [/^\/v1\/payment_intents$/, /^\/v1\/payment_intents\/[^/]+\/confirm$/];
const INTENT_PATH = /^\/v1\/payment_intents\/([^/]+)/;
const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/** Stripe's 402 for a declined card, shaped as the spec's `error` schema (api_errors: type, code, decline_code, message, doc_url, charge, payment_intent). */
function declineBody(intent: Record<string, unknown> | undefined): Record<string, unknown> {
  const charge = `ch_${randomBytes(12).toString('hex')}`;
  const error: Record<string, unknown> = {
    type: 'card_error',
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    charge,
  };
  if (intent) {
    error.payment_intent = {
      ...intent,
      status: 'requires_payment_method',
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', charge },
    };
  }
  return { error };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

const parseJson = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * An HTTP server in front of stripe-mock (start it with startStripeMock()). stripe-mock validates
 * every request against Stripe's spec but keeps no state and never declines, so the front:
 *   - forwards EVERY request to stripe-mock first and answers with stripe-mock's answer (a request
 *     that breaks the spec still fails, exactly as stripe-mock says);
 *   - replaces a SUCCESSFUL PaymentIntent create or confirm for `pm_card_chargeDeclined` (Stripe's
 *     documented decline token) with Stripe's documented 402 card_error / card_declined;
 *   - holds back answers about a payment method given to `delay()` (a provider that times out);
 *   - logs every request with its Idempotency-Key, so tests count what reached the provider.
 */
export async function startStripeFront(options: { stripeMockUrl: string }): Promise<StripeFront> {
  const upstream = options.stripeMockUrl.replace(/\/$/, '');
  const requests: StripeFrontRequest[] = [];
  const delays = new Map<string, number>();
  /** PaymentIntent id → the payment method it was created with (stripe-mock remembers nothing). */
  const intents = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();

  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://front');
    const method = request.method ?? 'GET';
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    const type = request.headers['content-type'] ?? '';
    if (body && type.includes('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    const intentId = INTENT_PATH.exec(url.pathname)?.[1];
    const paymentMethod = params.payment_method ?? (intentId ? intents.get(intentId) : undefined);
    const idempotencyKey = request.headers['idempotency-key'];
    const entry: StripeFrontRequest = {
      method,
      path: url.pathname,
      idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
      apiKey: /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1],
      body,
      params,
      paymentMethod,
      declined: false,
      // Decided on arrival: removing a delay later does not speed up a request already held.
      delayedMs: paymentMethod ? (delays.get(paymentMethod) ?? 0) : 0,
    };
    requests.push(entry);

    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name, value]) => !HOP_BY_HOP.has(name) && typeof value === 'string'),
    ) as Record<string, string>;
    let status: number;
    let text: string;
    let contentType: string;
    try {
      const answer = await fetch(`${upstream}${url.pathname}${url.search}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
      status = answer.status;
      text = await answer.text();
      contentType = answer.headers.get('content-type') ?? 'application/json';
    } catch (error) {
      status = 502;
      text = JSON.stringify({ error: { type: 'api_error', message: `stripe front: stripe-mock did not answer: ${(error as Error).message}` } });
      contentType = 'application/json';
    }

    const json = parseJson(text);
    if (method === 'POST' && url.pathname === '/v1/payment_intents' && status < 300 && typeof json?.id === 'string' && params.payment_method) {
      intents.set(json.id, params.payment_method);
    }
    const charging = method === 'POST' && CHARGING.some((pattern) => pattern.test(url.pathname));
    const declined = charging && status >= 200 && status < 300 && paymentMethod === STRIPE_DECLINED_PAYMENT_METHOD;
    if (declined) {
      status = 402;
      text = JSON.stringify(declineBody(json));
      contentType = 'application/json';
    }

    entry.declined = declined;
    await hold(entry.delayedMs);
    entry.status = status;
    if (response.destroyed) return; // the client gave up (its timeout): nothing to answer
    response.writeHead(status, { 'content-type': contentType, 'request-id': `req_${randomBytes(8).toString('hex')}` });
    response.end(text);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (response.headersSent || response.destroyed) return;
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { type: 'api_error', message: `stripe front: ${error.message}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    delay(paymentMethod, ms) {
      if (ms > 0) delays.set(paymentMethod, ms);
      else delays.delete(paymentMethod);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        timers.forEach((timer) => clearTimeout(timer));
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
