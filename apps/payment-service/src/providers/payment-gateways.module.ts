import { Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { FollowsConfig } from '@ecotrack/platform';
import type { PaymentConfig } from '../config';
import { ProviderUnavailableError, type PaymentGateway, type PaymentProvider } from './payment-gateway';
import { PayPalGateway } from './paypal/paypal.gateway';
import { StripeGateway } from './stripe/stripe.gateway';

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

/**
 * The configured gateways, one per provider; a provider without credentials has none.
 * Rebuilt when the credentials change (an API key rotated in OpenBao): the next call uses the new key, no restart.
 */
@Injectable()
export class PaymentGateways {
  private readonly gateways: FollowsConfig<Map<PaymentProvider, PaymentGateway>>;

  constructor(@Inject(APP_CONFIG) config: PaymentConfig) {
    const inputs = () => [config.STRIPE_API_BASE, config.STRIPE_SECRET_KEY, config.PAYPAL_API_BASE, config.PAYPAL_CLIENT_ID, config.PAYPAL_CLIENT_SECRET, config.PAYMENT_GATEWAY_TIMEOUT_MS];
    this.gateways = new FollowsConfig(inputs, () => buildGateways(config));
  }

  get(provider: PaymentProvider): PaymentGateway {
    const gateway = this.gateways.get().get(provider);
    if (!gateway) throw new ProviderUnavailableError(provider);
    return gateway;
  }
}

@Module({ providers: [PaymentGateways], exports: [PaymentGateways] })
export class PaymentGatewaysModule {}
