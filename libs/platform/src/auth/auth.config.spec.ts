import { z } from 'zod';
import { authOptionsFromConfig, jwtVerificationConfig } from './auth.config';

const parse = (env: Record<string, string>) => z.object(jwtVerificationConfig).parse(env);

describe('jwtVerificationConfig', () => {
  it('needs only the JWKS URL; issuer, audience and the revocation check have defaults', () => {
    const options = authOptionsFromConfig(parse({ JWT_JWKS_URL: 'http://user-service:3001/.well-known/jwks.json' }));
    expect(options).toEqual({
      issuer: 'urn:ecotrack:user-service',
      audience: 'ecotrack',
      keys: { jwksUrl: 'http://user-service:3001/.well-known/jwks.json' },
    });
  });

  it('can switch the session check off', () => {
    const options = authOptionsFromConfig(parse({ JWT_JWKS_URL: 'http://u/.well-known/jwks.json', JWT_REVOCATION_CHECK: 'off' }));
    expect(options.revocation).toBe(false);
  });
});
