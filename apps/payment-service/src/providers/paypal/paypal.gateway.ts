import { formatMinorUnits } from '@ecotrack/platform';
import {
  PaymentGatewayError,
  type Authorization,
  type AuthorizeRequest,
  type CaptureRequest,
  type GatewayOutcome,
  type GatewayStatus,
  type PaymentGateway,
  type RefundRequest,
} from '../payment-gateway';

export interface PayPalGatewayOptions {
  clientId: string;
  clientSecret: string;
  /** The PayPal REST base; OAuth tokens come from `${apiBase}/v1/oauth2/token`. */
  apiBase: string;
  /** Where Orders v2 and Payments v2 are served; default apiBase (a mock may serve them apart). */
  ordersBase?: string;
  paymentsBase?: string;
  timeoutMs?: number;
}

interface PayPalObject {
  id: string;
  status?: string;
}

interface PayPalOrder extends PayPalObject {
  purchase_units?: { payments?: { authorizations?: PayPalObject[] } }[];
  /** The buyer's PayPal account (payer is the older place for it). */
  payment_source?: { paypal?: { email_address?: string } };
  payer?: { email_address?: string };
}

/**
 * PayPal Orders v2 with intent AUTHORIZE, then Payments v2 captures, voids and
 * refunds, over fetch. Every write carries PayPal-Request-Id (PayPal's idempotency key).
 */
export class PayPalGateway implements PaymentGateway {
  readonly provider = 'paypal' as const;
  private token?: { value: string; expiresAt: number };

  constructor(private readonly options: PayPalGatewayOptions) {}

  async authorize(request: AuthorizeRequest): Promise<Authorization> {
    const orders = this.options.ordersBase ?? this.options.apiBase;
    const order = await this.post<PayPalOrder>(`${orders}/v2/checkout/orders`, `${request.idempotencyKey}:order`, {
      intent: 'AUTHORIZE',
      purchase_units: [
        { reference_id: request.orderId, amount: { currency_code: request.currency, value: formatMinorUnits(request.amountCents, request.currency) } },
      ],
    });
    const authorized = await this.post<PayPalOrder>(`${orders}/v2/checkout/orders/${encodeURIComponent(order.id)}/authorize`, request.idempotencyKey, {});
    const authorization = authorized.purchase_units?.[0]?.payments?.authorizations?.[0];
    if (!authorization?.id) throw new PaymentGatewayError('paypal', 'rejected', `order ${order.id} has no authorization`);
    const result: Authorization = { providerReference: order.id, authorizationReference: authorization.id, status: normalize(authorization.status, 'authorized') };
    const email = authorized.payment_source?.paypal?.email_address ?? authorized.payer?.email_address;
    return typeof email === 'string' && email.includes('@') ? { ...result, paymentMethod: { type: 'paypal', email } } : result;
  }

  async capture(request: CaptureRequest): Promise<GatewayOutcome> {
    const capture = await this.post<PayPalObject>(
      `${this.payments()}/v2/payments/authorizations/${encodeURIComponent(request.authorizationReference)}/capture`,
      request.idempotencyKey,
      { amount: { currency_code: request.currency, value: formatMinorUnits(request.amountCents, request.currency) }, final_capture: true },
    );
    return { reference: capture.id, status: normalize(capture.status, 'captured') };
  }

  async void(request: { authorizationReference: string; idempotencyKey: string }): Promise<GatewayOutcome> {
    // 204 without a body, or 200 with the authorization (Prefer: return=representation).
    const voided = await this.post<PayPalObject | undefined>(
      `${this.payments()}/v2/payments/authorizations/${encodeURIComponent(request.authorizationReference)}/void`,
      request.idempotencyKey,
      undefined,
    );
    return { reference: voided?.id ?? request.authorizationReference, status: 'voided' };
  }

  async refund(request: RefundRequest): Promise<GatewayOutcome> {
    const refund = await this.post<PayPalObject>(
      `${this.payments()}/v2/payments/captures/${encodeURIComponent(request.captureReference)}/refund`,
      request.idempotencyKey,
      { amount: { currency_code: request.currency, value: formatMinorUnits(request.amountCents, request.currency) } },
    );
    return { reference: refund.id, status: normalize(refund.status, 'refunded') };
  }

  private payments(): string {
    return this.options.paymentsBase ?? this.options.apiBase;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64');
    const response = await this.fetch(`${this.options.apiBase}/v1/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new PaymentGatewayError('paypal', 'rejected', 'token response without access_token');
    // Renew a minute early.
    this.token = { value: body.access_token, expiresAt: Date.now() + Math.max(0, (body.expires_in ?? 0) - 60) * 1000 };
    return body.access_token;
  }

  private async post<T>(url: string, requestId: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.accessToken()}`,
      'paypal-request-id': requestId,
      accept: 'application/json',
      prefer: 'return=representation',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetch(url, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** fetch with a timeout; non-2xx becomes a PaymentGatewayError. */
  private async fetch(url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    } catch (error) {
      throw new PaymentGatewayError('paypal', 'unavailable', `${init.method} ${new URL(url).pathname}: ${(error as Error).message}`);
    }
    if (response.ok) return response;
    const detail = (await response.text()).slice(0, 300);
    const kind = response.status >= 500 ? 'unavailable' : response.status === 422 ? 'declined' : 'rejected';
    throw new PaymentGatewayError('paypal', kind, `${init.method} ${new URL(url).pathname}: HTTP ${response.status} ${detail}`, response.status);
  }
}

function normalize(status: string | undefined, done: GatewayStatus): GatewayStatus {
  if (status === 'PENDING') return 'pending';
  return done;
}
