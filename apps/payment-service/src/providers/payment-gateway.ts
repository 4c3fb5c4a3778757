/** Which vendor holds a payment. */
export type PaymentProvider = 'stripe' | 'paypal';

/** The provider's view after an operation, normalized across vendors. */
export type GatewayStatus = 'authorized' | 'captured' | 'voided' | 'refunded' | 'pending' | 'action_required';

export interface AuthorizeRequest {
  orderId: string;
  /** Minor units (cents). */
  amountCents: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** A provider token (Stripe: a PaymentMethod id such as pm_card_visa); never card data. */
  paymentMethodToken?: string;
  /** Derived by the caller, e.g. `${paymentId}:authorize`; the provider deduplicates on it. */
  idempotencyKey: string;
}

/**
 * How a person recognizes what they paid with, as a receipt shows it ("Visa •••• 4242", the PayPal
 * account's address). Personal and payment data: stored only encrypted. Never a card number.
 */
export type PaymentMethodSummary = { type: 'card'; brand: string; last4: string } | { type: 'paypal'; email: string };

export interface Authorization {
  /** The provider's payment object (Stripe PaymentIntent id, PayPal order id). */
  providerReference: string;
  /** What capture and void act on (Stripe: the PaymentIntent id, PayPal: the authorization id). */
  authorizationReference: string;
  status: GatewayStatus;
  /** When the provider's answer tells it. */
  paymentMethod?: PaymentMethodSummary;
}

export interface CaptureRequest {
  authorizationReference: string;
  amountCents: number;
  currency: string;
  idempotencyKey: string;
}

export interface RefundRequest {
  /** What was captured (Stripe: the PaymentIntent id, PayPal: the capture id). */
  captureReference: string;
  amountCents: number;
  currency: string;
  idempotencyKey: string;
}

export interface GatewayOutcome {
  /** The provider's id of what this operation produced (capture, refund) or acted on (void). */
  reference: string;
  status: GatewayStatus;
}

/** One capability, one interface: every vendor adapter implements exactly this. */
export interface PaymentGateway {
  readonly provider: PaymentProvider;
  authorize(request: AuthorizeRequest): Promise<Authorization>;
  capture(request: CaptureRequest): Promise<GatewayOutcome>;
  void(request: { authorizationReference: string; idempotencyKey: string }): Promise<GatewayOutcome>;
  refund(request: RefundRequest): Promise<GatewayOutcome>;
}

/**
 * A provider said no, or could not be reached. `declined`: the payer's instrument was refused;
 * `rejected`: the provider refused our request (a bug on our side); `unavailable`: network or 5xx.
 */
export class PaymentGatewayError extends Error {
  constructor(
    readonly provider: PaymentProvider,
    readonly kind: 'declined' | 'rejected' | 'unavailable',
    message: string,
    readonly providerStatus?: number,
  ) {
    super(`${provider}: ${message}`);
  }
}

/** The provider has no credentials configured in this deployment. */
export class ProviderUnavailableError extends Error {
  constructor(readonly provider: PaymentProvider) {
    super(`payment provider ${provider} is not configured`);
  }
}
