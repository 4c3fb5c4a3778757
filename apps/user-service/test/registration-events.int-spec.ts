import { EventsRuntime, OutboxRelay, SEALED_FIELDS_KEY, topics, validateEnvelope } from '@ecotrack/events';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { present, transitAs, type TransitAs, waitUntil } from '@ecotrack/testing';
import { Kafka, logLevel } from 'kafkajs';
import { createHash, randomUUID } from 'node:crypto';
import { countUsers, PASSWORD, startUserService, uniqueEmail, type UserServiceUnderTest } from './support';

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  message_type: string;
  payload: Record<string, unknown>;
  published_at: Date | null;
}

// Each wait is bounded by its own 30 s (and fails naming what it waited for), within Jest's 60 s.
const WAIT = { timeoutMs: 30_000 };
jest.setTimeout(60_000);

/**
 * UserRegistered and the first verification mail's EmailVerificationRequested leave user-service
 * through its outbox, written in the registration's own transaction (real PostgreSQL), with the
 * address and token sealed (real OpenBao), and the relay publishes them to user.events (real Kafka).
 */
describe('user-service: UserRegistered through the outbox, personal fields sealed', () => {
  let sut: UserServiceUnderTest;
  const emails: string[] = [];
  /** Opening sealed fields as notification-service does (its AppRole: decrypt only). */
  let notificationService: TransitAs;

  /** The outbox rows of this user, in the order they were written (the envelope is the row's payload). */
  const outboxRowsOf = (userId: string): Promise<OutboxRow[]> =>
    sut.db.query(`SELECT id, topic, message_key, message_type, payload, published_at FROM outbox WHERE message_key = $1 ORDER BY position`, [userId]);
  const outboxRowsNaming = async (text: string): Promise<number> => Number((await sut.db.query(`SELECT count(*)::int AS n FROM outbox WHERE payload::text LIKE $1`, [`%${text}%`]))[0].n);
  const register = (email: string, displayName = 'Ada Lovelace') => {
    emails.push(email.toLowerCase());
    return sut.app.inject({ method: 'POST', url: '/v1/users', payload: { email, displayName, password: PASSWORD } });
  };

  beforeAll(async () => {
    sut = await startUserService();
    notificationService = await transitAs('notification-service', SEALED_FIELDS_KEY);
  }, 60_000);
  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = ANY($1)', [emails]);
    await sut?.app.close();
  });

  it('a registration writes UserRegistered v2 and EmailVerificationRequested on user.events, keyed by the user: valid envelopes, the address and token sealed, no name', async () => {
    const email = uniqueEmail('outbox');
    const displayName = `Ada <b>Lovelace</b> ${randomUUID().slice(0, 8)}`;
    const response = await register(email, displayName);
    expect(response.statusCode).toBe(201);
    const user = response.json() as { id: string };

    const rows = await outboxRowsOf(user.id);
    expect(rows.map((r) => [r.topic, r.message_key, r.message_type])).toEqual([
      [topics.user.events, user.id, 'UserRegistered'],
      [topics.user.events, user.id, 'EmailVerificationRequested'],
    ]);
    const [registered, verification] = rows.map((r) => {
      const parsed = validateEnvelope(r.payload);
      if (!parsed.ok) throw new Error(parsed.error);
      expect(parsed.envelope).toMatchObject({ id: r.id, source: 'user-service', aggregateId: user.id });
      return parsed.envelope;
    });
    expect(registered).toMatchObject({ type: 'UserRegistered', version: 2, payload: { userId: user.id, email: expect.stringMatching(/^vault:v\d+:/) } });
    expect(verification).toMatchObject({ type: 'EmailVerificationRequested', version: 1 });
    if (registered.type !== 'UserRegistered' || verification.type !== 'EmailVerificationRequested') throw new Error('unexpected types');
    // Only notification-service can open them; the token is the one whose hash the database keeps.
    expect(await notificationService.decrypt(registered.payload.email)).toBe(email);
    expect(await notificationService.decrypt(verification.payload.email)).toBe(email);
    const token = await notificationService.decrypt(verification.payload.token);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [stored] = await sut.db.query(`SELECT token_hash, expires_at FROM email_verification_tokens WHERE user_id = $1`, [user.id]);
    expect(stored.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(new Date(verification.payload.expiresAt).getTime()).toBe(new Date(stored.expires_at).getTime());
    // Nothing in clear: not the address, not the name, not the token, in any outbox row.
    for (const text of [email, displayName, token]) expect(await outboxRowsNaming(text)).toBe(0);
  });

  it('a duplicate registration (409) writes no outbox row: the account keeps its two', async () => {
    const email = uniqueEmail('outbox-dup');
    const first = await register(email);
    expect(first.statusCode).toBe(201);
    const users = await countUsers(sut.db);
    const again = await register(email.toUpperCase(), 'Someone Else');
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await countUsers(sut.db)).toBe(users);
    expect((await outboxRowsOf(first.json<{ id: string }>().id)).map((r) => r.message_type)).toEqual(['UserRegistered', 'EmailVerificationRequested']);
  });

  it('an address the mail could not take (accepted by IsEmail, not by the events\' address rule): 400 naming email, no user, no outbox row', async () => {
    const email = `ü-${randomUUID()}@example.org`;
    const users = await countUsers(sut.db);
    const outbox = Number((await sut.db.query(`SELECT count(*)::int AS n FROM outbox`))[0].n);
    const response = await register(email);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'email' })] });
    expect(await countUsers(sut.db)).toBe(users);
    expect(Number((await sut.db.query(`SELECT count(*)::int AS n FROM outbox`))[0].n)).toBe(outbox);
  });

  it('the relay publishes it: the row is marked published and the envelope is on user.events, with its headers', async () => {
    // The events runtime starts the relay once the service is ready (startInProcess marks it ready).
    expect(sut.app.get(EventsRuntime)).toBeDefined();
    await waitUntil('the outbox relay to run', async () => sut.app.get(OutboxRelay).running, Boolean, WAIT);
    const email = uniqueEmail('published');
    const user = (await register(email)).json() as { id: string };
    const [row] = await outboxRowsOf(user.id);
    await waitUntil('the outbox row to be published', async () => (await outboxRowsOf(user.id))[0].published_at, Boolean, WAIT);

    const kafka = new Kafka({ clientId: 'user-service-test', brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `user-service-test-${randomUUID()}` });
    const seen: { key?: string; headers: Record<string, string>; value: { id: string } }[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: topics.user.events, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
          seen.push({ key: message.key?.toString(), headers, value: JSON.parse(message.value!.toString()) as { id: string } });
        },
      });
      const found = await waitUntil('UserRegistered on user.events', async () => seen.find((m) => m.value.id === row.id), present, WAIT);
      expect(found.key).toBe(user.id);
      expect(found.headers).toMatchObject({ 'message-id': row.id, 'message-type': 'UserRegistered', 'message-version': '2' });
      expect(seen.filter((m) => m.value.id === row.id)).toHaveLength(1);
    } finally {
      await consumer.disconnect();
    }
  }, 60_000);
});
