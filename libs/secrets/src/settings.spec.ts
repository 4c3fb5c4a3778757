import { openBaoSettings, OpenBaoSettingsError } from './settings';
import { toEnvironmentNames } from './openbao-secrets';

describe('openBaoSettings', () => {
  it('is undefined without OPENBAO_ADDR: secrets then come from the environment', () => {
    expect(openBaoSettings({}, 'product-service')).toBeUndefined();
  });

  it('defaults the role, KV path and database role to the service name', () => {
    expect(
      openBaoSettings({ OPENBAO_ADDR: 'http://127.0.0.1:8200/', OPENBAO_SECRET_ID_FILE: '/run/secret-id' }, 'product-service'),
    ).toMatchObject({
      address: 'http://127.0.0.1:8200',
      authMethod: 'approle',
      authMount: 'approle',
      role: 'product-service',
      kvMount: 'secret',
      kvPath: 'ecotrack/local/product-service',
      databaseRole: 'product-service',
    });
  });

  it('reads Kubernetes auth from the service-account token file', () => {
    expect(
      openBaoSettings({ OPENBAO_ADDR: 'https://openbao.openbao.svc:8200', OPENBAO_AUTH_METHOD: 'kubernetes', OPENBAO_ENVIRONMENT: 'prod' }, 'order-service'),
    ).toMatchObject({
      authMethod: 'kubernetes',
      authMount: 'kubernetes',
      kubernetesTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      kvPath: 'ecotrack/prod/order-service',
    });
  });

  it.each([
    [{ OPENBAO_ADDR: 'http://x:8200' }, 'OPENBAO_SECRET_ID_FILE: required with OPENBAO_AUTH_METHOD=approle'],
    [{ OPENBAO_ADDR: 'not a url', OPENBAO_SECRET_ID_FILE: '/f' }, 'OPENBAO_ADDR'],
    [{ OPENBAO_ADDR: 'http://x:8200', OPENBAO_AUTH_METHOD: 'token', OPENBAO_SECRET_ID_FILE: '/f' }, 'OPENBAO_AUTH_METHOD'],
    [{ OPENBAO_ADDR: 'http://x:8200', OPENBAO_SECRET_ID_FILE: '/f', OPENBAO_ENVIRONMENT: '../prod' }, 'OPENBAO_ENVIRONMENT'],
  ])('names the bad setting (%o)', (env, message) => {
    expect(() => openBaoSettings(env, 'svc')).toThrow(OpenBaoSettingsError);
    expect(() => openBaoSettings(env, 'svc')).toThrow(message);
  });
});

describe('toEnvironmentNames', () => {
  it('maps lowercase KV properties to variables and ignores anything else', () => {
    expect(toEnvironmentNames({ redis_url: 'redis://x', stripe_secret_key: 'sk', Mixed: 'm', nested: { a: 1 }, count: 3 })).toEqual({
      REDIS_URL: 'redis://x',
      STRIPE_SECRET_KEY: 'sk',
    });
  });
});
