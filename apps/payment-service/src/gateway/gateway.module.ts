import { Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/platform';
import type { PaymentConfig } from '../config';
import { ProviderUnavailableError, type PaymentGateway, type PaymentProvider } from './payment-gateway';
import { PayPalGateway } from './paypal.gateway';
import { StripeGateway } from './stripe.gateway';

/** The configured gateways, one per provider; a provider without credentials has none. */
@Injectable()
export class PaymentGateways {
  private readonly gateways = new Map<PaymentProvider, PaymentGateway>();

  constructor(@Inject(APP_CONFIG) config: PaymentConfig) {
    if (config.STRIPE_API_BASE && config.STRIPE_SECRET_KEY) {
      this.gateways.set(
        'stripe',
        new StripeGateway({ apiBase: config.STRIPE_API_BASE, secretKey: config.STRIPE_SECRET_KEY, timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS }),
      );
    }
    if (config.PAYPAL_API_BASE && config.PAYPAL_CLIENT_ID && config.PAYPAL_CLIENT_SECRET) {
      this.gateways.set(
        'paypal',
        new PayPalGateway({
          apiBase: config.PAYPAL_API_BASE,
          clientId: config.PAYPAL_CLIENT_ID,
          clientSecret: config.PAYPAL_CLIENT_SECRET,
          timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS,
        }),
      );
    }
  }

  get(provider: PaymentProvider): PaymentGateway {
    const gateway = this.gateways.get(provider);
    if (!gateway) throw new ProviderUnavailableError(provider);
    return gateway;
  }
}

@Module({ providers: [PaymentGateways], exports: [PaymentGateways] })
export class GatewayModule {}
