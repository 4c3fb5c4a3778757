import { SEALED_FIELDS_KEY, topics } from '@ecotrack/events';
import { transitAs, type TransitAs } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import { PASSWORD, startUserService, uniqueEmail, type UserServiceUnderTest } from '../../../apps/user-service/test/support';
import { SigningKeys } from '../../../apps/user-service/src/keys/signing-keys';
import { outboxEnvelope, outboxPosition, verifyProvider } from '../support/provider';

interface Envelope {
  type: string;
  payload: Record<string, unknown>;
}

/**
 * user-service against its consumers' pacts (every service reads its JWKS; notification-service
 * reads its user.events): the real application on OpenBao, PostgreSQL, Redis and Kafka, listening
 * on a port, and each event taken from its outbox after a registration or an email verification
 * through its own API.
 */
describe('user-service as a provider (real PostgreSQL, Redis, Kafka, OpenBao)', () => {
  let sut: UserServiceUnderTest;
  /** Opening the verification mail's token as notification-service does (its AppRole). */
  let notificationService: TransitAs;
  const emails: string[] = [];

  /** The newest envelope of `type` on user.events written after `after`, checked to be the user's (the database has other writers). */
  async function written(type: string, after: number, userId: string): Promise<Envelope> {
    const envelope = (await outboxEnvelope(sut.db, topics.user.events, type, after)) as Envelope;
    if (envelope.payload.userId !== userId) throw new Error(`the newest ${type} in the outbox is about user ${String(envelope.payload.userId)}, not ${userId}`);
    return envelope;
  }

  /** A new account, registered through the API with a display name; the outbox position before it. */
  async function register(): Promise<{ userId: string; before: number }> {
    const email = uniqueEmail('pact');
    emails.push(email);
    const before = await outboxPosition(sut.db);
    const created = await sut.app.inject({ method: 'POST', url: '/v1/users', payload: { email, displayName: `Contract ${randomUUID().slice(0, 8)}`, password: PASSWORD } });
    if (created.statusCode !== 201) throw new Error(`registration answered ${created.statusCode}: ${created.body}`);
    return { userId: created.json<{ id: string }>().id, before };
  }

  beforeAll(async () => {
    sut = await startUserService();
    notificationService = await transitAs('notification-service', SEALED_FIELDS_KEY);
    await sut.app.listen(0, '127.0.0.1');
  }, 120_000);

  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = ANY($1)', [emails.map((email) => email.toLowerCase())]);
    await sut?.app.close();
  }, 60_000);

  it('satisfies every consumer pact', async () => {
    const verified = await verifyProvider({
      provider: 'user-service',
      baseUrl: await sut.app.getUrl(),
      stateHandlers: {
        // The key it was started with signs and is published: nothing to create, but make sure.
        'user-service publishes its signing keys': async () => {
          const published = sut.app.get(SigningKeys).jwks.keys.map((key) => key.kid);
          if (!published.includes(sut.key.kid)) throw new Error(`the JWKS names ${published.join(', ')}, not the signing key ${sut.key.kid}`);
          return undefined;
        },
      },
      messages: {
        UserRegistered: async () => {
          const { userId, before } = await register();
          return written('UserRegistered', before, userId);
        },
        EmailVerificationRequested: async () => {
          const { userId, before } = await register();
          return written('EmailVerificationRequested', before, userId);
        },
        // The address verified with the token of the registration's mail: EmailVerified, with the display name sealed.
        EmailVerified: async () => {
          const { userId, before } = await register();
          const mail = await written('EmailVerificationRequested', before, userId);
          const token = await notificationService.decrypt(mail.payload.token as string);
          const afterMail = await outboxPosition(sut.db);
          const verifiedEmail = await sut.app.inject({ method: 'POST', url: '/v1/users/email-verification', payload: { token } });
          if (verifiedEmail.statusCode !== 204) throw new Error(`the verification answered ${verifiedEmail.statusCode}: ${verifiedEmail.body}`);
          return written('EmailVerified', afterMail, userId);
        },
      },
    });
    console.log(`verified:\n${verified.join('\n')}`);
    expect(verified).toHaveLength(7);
  }, 300_000);
});
