import Stripe from 'stripe';
import {
  PaymentGatewayError,
  type Authorization,
  type AuthorizeRequest,
  type CaptureRequest,
  type GatewayOutcome,
  type GatewayStatus,
  type PaymentGateway,
  type PaymentMethodSummary,
  type RefundRequest,
} from '../payment-gateway';
import { STRIPE_NETWORK_RETRIES } from '../provider-timeouts';

export interface StripeGatewayOptions {
  secretKey: string;
  /** e.g. the real API or a stripe-mock at http://127.0.0.1:12111 */
  apiBase: string;
  /** Per request, before the SDK's one retry; default 10 s. */
  timeoutMs?: number;
}

/**
 * Stripe PaymentIntents with manual capture: authorize = create + confirm with a
 * PaymentMethod token; capture; void = cancel; refund = refunds.create.
 * A decline arrives as a card error (HTTP 402), not as a status, so a successful
 * call is the operation's outcome; requires_action and processing are surfaced.
 */
export class StripeGateway implements PaymentGateway {
  readonly provider = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(options: StripeGatewayOptions) {
    const url = new URL(options.apiBase);
    this.stripe = new Stripe(options.secretKey, {
      host: url.hostname,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      protocol: url.protocol === 'http:' ? 'http' : 'https',
      // Our idempotency keys make retries safe; one retry, as the SDK default.
      maxNetworkRetries: STRIPE_NETWORK_RETRIES,
      timeout: options.timeoutMs ?? 10_000,
      telemetry: false,
    });
  }

  async authorize(request: AuthorizeRequest): Promise<Authorization> {
    if (!request.paymentMethodToken) throw new PaymentGatewayError('stripe', 'rejected', 'a payment method token is required');
    const intent = await this.call(() =>
      this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          capture_method: 'manual',
          confirm: true,
          payment_method: request.paymentMethodToken,
          metadata: { orderId: request.orderId },
          // The charge's card brand and last 4 digits, for the payment method summary.
          expand: ['latest_charge'],
        },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    const authorization: Authorization = { providerReference: intent.id, authorizationReference: intent.id, status: statusOf(intent.status, 'authorized') };
    const paymentMethod = cardOf(intent);
    return paymentMethod ? { ...authorization, paymentMethod } : authorization;
  }

  async capture(request: CaptureRequest): Promise<GatewayOutcome> {
    const intent = await this.call(() =>
      this.stripe.paymentIntents.capture(
        request.authorizationReference,
        { amount_to_capture: request.amountCents },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    return { reference: intent.id, status: statusOf(intent.status, 'captured') };
  }

  async void(request: { authorizationReference: string; idempotencyKey: string }): Promise<GatewayOutcome> {
    const intent = await this.call(() =>
      this.stripe.paymentIntents.cancel(request.authorizationReference, {}, { idempotencyKey: request.idempotencyKey }),
    );
    return { reference: intent.id, status: statusOf(intent.status, 'voided') };
  }

  async refund(request: RefundRequest): Promise<GatewayOutcome> {
    const refund = await this.call(() =>
      this.stripe.refunds.create(
        { payment_intent: request.captureReference, amount: request.amountCents },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    return { reference: refund.id, status: refund.status === 'pending' ? 'pending' : 'refunded' };
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toGatewayError(error);
    }
  }
}

/** Brand and last 4 digits of the card the charge used, when Stripe says (not for requires_action, or other methods). */
function cardOf(intent: Stripe.PaymentIntent): PaymentMethodSummary | undefined {
  const charge = intent.latest_charge;
  const card = charge && typeof charge === 'object' ? charge.payment_method_details?.card : undefined;
  return card?.brand && card.last4 ? { type: 'card', brand: card.brand, last4: card.last4 } : undefined;
}

function statusOf(status: Stripe.PaymentIntent.Status, done: GatewayStatus): GatewayStatus {
  if (status === 'requires_action') return 'action_required';
  if (status === 'processing') return 'pending';
  return done;
}

function toGatewayError(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  if (error instanceof Stripe.errors.StripeCardError) return new PaymentGatewayError('stripe', 'declined', error.message, error.statusCode);
  if (error instanceof Stripe.errors.StripeConnectionError || (error.statusCode ?? 500) >= 500) {
    return new PaymentGatewayError('stripe', 'unavailable', error.message, error.statusCode);
  }
  return new PaymentGatewayError('stripe', 'rejected', error.message, error.statusCode);
}
