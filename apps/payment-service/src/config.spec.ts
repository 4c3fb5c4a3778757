import { ConfigError, loadConfig } from '@ecotrack/platform';
import { paymentConfig } from './config';

const env = {
  DATABASE_URL: 'postgres://svc:pw@127.0.0.1:5432/ecotrack_payment',
  REDIS_URL: 'redis://:pw@127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  JWT_JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json',
};

const problems = (extra: Record<string, string>) => {
  try {
    loadConfig(paymentConfig, { ...env, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
};

describe('payment-service webhook configuration', () => {
  it('defaults: no secrets, 300 s tolerance, PayPal’s four certificate hosts, https only', () => {
    const config = loadConfig(paymentConfig, env);
    expect(config.STRIPE_WEBHOOK_SECRET).toBeUndefined();
    expect(config.PAYPAL_WEBHOOK_ID).toBeUndefined();
    expect(config.WEBHOOK_TOLERANCE_SECONDS).toBe(300);
    expect(config.PAYPAL_WEBHOOK_CERT_HOSTS).toEqual(['api.paypal.com', 'api.sandbox.paypal.com', 'api-m.paypal.com', 'api-m.sandbox.paypal.com']);
    expect(config.PAYPAL_WEBHOOK_CERT_ALLOW_HTTP).toBe(false);
  });

  it('reads a host list with ports (tests) and the http flag as a word, not a truthy string', () => {
    const config = loadConfig(paymentConfig, { ...env, PAYPAL_WEBHOOK_CERT_HOSTS: ' API.PayPal.com , 127.0.0.1:40123 ', PAYPAL_WEBHOOK_CERT_ALLOW_HTTP: 'false' });
    expect(config.PAYPAL_WEBHOOK_CERT_HOSTS).toEqual(['api.paypal.com', '127.0.0.1:40123']);
    expect(config.PAYPAL_WEBHOOK_CERT_ALLOW_HTTP).toBe(false);
    expect(loadConfig(paymentConfig, { ...env, PAYPAL_WEBHOOK_CERT_ALLOW_HTTP: 'true' }).PAYPAL_WEBHOOK_CERT_ALLOW_HTTP).toBe(true);
  });

  it.each([
    [{ WEBHOOK_TOLERANCE_SECONDS: '0' }, 'WEBHOOK_TOLERANCE_SECONDS'],
    [{ PAYPAL_WEBHOOK_CERT_HOSTS: '' }, 'PAYPAL_WEBHOOK_CERT_HOSTS'],
    [{ PAYPAL_WEBHOOK_CERT_HOSTS: 'https://api.paypal.com' }, 'PAYPAL_WEBHOOK_CERT_HOSTS'],
    [{ PAYPAL_WEBHOOK_CERT_ALLOW_HTTP: 'yes' }, 'PAYPAL_WEBHOOK_CERT_ALLOW_HTTP'],
    [{ STRIPE_WEBHOOK_SECRET: '' }, 'STRIPE_WEBHOOK_SECRET'],
  ])('refuses %j, naming the variable and never echoing a value', (extra, name) => {
    const message = problems(extra);
    expect(message).toContain(name);
    expect(message).not.toContain('api.paypal.com');
  });
});

describe('payment-service gateway and messaging configuration', () => {
  it('gives the providers 10 s per call by default, and takes a lower bound for tests', () => {
    expect(loadConfig(paymentConfig, env).PAYMENT_GATEWAY_TIMEOUT_MS).toBe(10_000);
    expect(loadConfig(paymentConfig, { ...env, PAYMENT_GATEWAY_TIMEOUT_MS: '750' }).PAYMENT_GATEWAY_TIMEOUT_MS).toBe(750);
  });

  it.each(['0', '99', '120001', 'soon'])('refuses PAYMENT_GATEWAY_TIMEOUT_MS=%s', (value) => {
    expect(problems({ PAYMENT_GATEWAY_TIMEOUT_MS: value })).toContain('PAYMENT_GATEWAY_TIMEOUT_MS');
  });

  it('validates the messaging variables with the rest (eventsConfig)', () => {
    expect(loadConfig(paymentConfig, env).CONSUMER_MAX_ATTEMPTS).toBe(5);
    expect(problems({ CONSUMER_MAX_ATTEMPTS: '0' })).toContain('CONSUMER_MAX_ATTEMPTS');
  });
});
