import { Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/platform';
import { createHash } from 'node:crypto';
import type { PaymentConfig } from '../config';
import { ProviderUnavailableError, type PaymentGateway, type PaymentProvider } from './payment-gateway';
import { PayPalGateway } from './paypal.gateway';
import { StripeGateway } from './stripe.gateway';

function buildGateways(config: PaymentConfig): Map<PaymentProvider, PaymentGateway> {
  const gateways = new Map<PaymentProvider, PaymentGateway>();
  if (config.STRIPE_API_BASE && config.STRIPE_SECRET_KEY) {
    gateways.set(
      'stripe',
      new StripeGateway({ apiBase: config.STRIPE_API_BASE, secretKey: config.STRIPE_SECRET_KEY, timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS }),
    );
  }
  if (config.PAYPAL_API_BASE && config.PAYPAL_CLIENT_ID && config.PAYPAL_CLIENT_SECRET) {
    gateways.set(
      'paypal',
      new PayPalGateway({
        apiBase: config.PAYPAL_API_BASE,
        clientId: config.PAYPAL_CLIENT_ID,
        clientSecret: config.PAYPAL_CLIENT_SECRET,
        timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS,
      }),
    );
  }
  return gateways;
}

/** What the gateways are built from; a digest, so the credentials are not kept twice in memory. */
function credentialsDigest(config: PaymentConfig): string {
  const inputs = [config.STRIPE_API_BASE, config.STRIPE_SECRET_KEY, config.PAYPAL_API_BASE, config.PAYPAL_CLIENT_ID, config.PAYPAL_CLIENT_SECRET, config.PAYMENT_GATEWAY_TIMEOUT_MS];
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

/**
 * The configured gateways, one per provider; a provider without credentials has none.
 * Rebuilt when the credentials change: the configuration is reloaded in place when the
 * service's secrets rotate in OpenBao, and the next call uses the new key, no restart.
 */
@Injectable()
export class PaymentGateways {
  private built: { digest: string; gateways: Map<PaymentProvider, PaymentGateway> } | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: PaymentConfig) {}

  get(provider: PaymentProvider): PaymentGateway {
    const digest = credentialsDigest(this.config);
    if (this.built?.digest !== digest) this.built = { digest, gateways: buildGateways(this.config) };
    const gateway = this.built.gateways.get(provider);
    if (!gateway) throw new ProviderUnavailableError(provider);
    return gateway;
  }
}

@Module({ providers: [PaymentGateways], exports: [PaymentGateways] })
export class GatewayModule {}
