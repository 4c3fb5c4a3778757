import { MatchersV3 as M, type PactV4 } from '@pact-foundation/pact';
import { schemaOf, validateEnvelope, type MessageType } from '@ecotrack/events';
import { TokenVerifier } from '@ecotrack/platform';
import { createECDH, createHash } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { envelopeMatchers, messageDescription } from './pact';

export interface ConsumedMessage {
  type: MessageType;
  version: number;
  topic: string;
  /** Commands and replies carry the saga id in correlationId, which the reader uses. */
  correlated?: boolean;
  /** Optional payload fields this consumer reads (required ones are always in the contract). */
  alsoRead?: readonly string[];
}

/**
 * One message interaction: the consumer's expectations as matchers, then the example run through
 * the consumer's own decoding (libs/events validateEnvelope: envelope, then the registry's schema
 * of that type and version), which is what its Kafka consumer does before any handler sees it.
 */
export async function expectMessage(pact: PactV4, message: ConsumedMessage): Promise<void> {
  const schema = schemaOf(message.type, message.version);
  if (!schema) throw new Error(`${message.type} has no version ${message.version} in the registry`);
  const expected = envelopeMatchers({ ...message, payload: schema, correlated: message.correlated ?? false });
  await pact
    .addAsynchronousInteraction()
    .expectsToReceive(messageDescription(message.type, message.version, message.topic), (builder) => builder.withJSONContent(expected))
    .executeTest(async (received) => {
      const decoded = validateEnvelope((received.contents as { content: unknown }).content);
      if (!decoded.ok) throw new Error(`the consumer cannot read its own contract's example: ${decoded.error}`);
      expect(decoded.envelope).toMatchObject({ type: message.type, version: message.version });
    });
}

const BASE64URL = '^[A-Za-z0-9_-]+$';

/**
 * A fixed P-256 key for the JWKS contract, derived from a constant so the pact file's example is
 * the same on every run (and no private key is committed). Test-only: it signs nothing real.
 */
function contractKey(): { jwk: JWK; kid: string } {
  const d = createHash('sha256').update('ecotrack contract-test signing key').digest();
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const b64 = (bytes: Buffer) => bytes.toString('base64url');
  return { kid: 'contract-test-key', jwk: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) } };
}

/**
 * Every service that verifies tokens (libs/platform TokenVerifier with JWT_JWKS_URL) fetches
 * user-service's JWKS: the consumer reads, of each key, what jose needs to pick and use it.
 */
export async function expectJwks(pact: PactV4): Promise<void> {
  const { jwk, kid } = contractKey();
  await pact
    .addInteraction()
    .given('user-service publishes its signing keys')
    .uponReceiving('the JWKS')
    .withRequest('GET', '/.well-known/jwks.json')
    .willRespondWith(200, (builder) =>
      builder.jsonBody({
        keys: M.eachLike({
          kty: M.regex('^(EC|RSA)$', 'EC'),
          crv: M.string('P-256'),
          x: M.regex(BASE64URL, jwk.x!),
          y: M.regex(BASE64URL, jwk.y!),
          kid: M.string(kid),
          alg: M.regex('^(ES256|RS256)$', 'ES256'),
        }),
      }),
    )
    .executeTest(async (server) => {
      const issuer = 'urn:ecotrack:user-service';
      const audience = 'ecotrack';
      const token = await new SignJWT({ roles: ['customer'] })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .setSubject('a-user')
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(await importJWK(jwk, 'ES256'));
      const verifier = new TokenVerifier({ issuer, audience, keys: { jwksUrl: `${server.url}/.well-known/jwks.json` } });
      await expect(verifier.verify(token)).resolves.toMatchObject({ id: 'a-user', roles: ['customer'] });
    });
}
