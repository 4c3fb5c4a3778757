import { EventsRuntime, OutboxRelay, topics, validateEnvelope } from '@ecotrack/events';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { countUsers, PASSWORD, startUserService, uniqueEmail, type UserServiceUnderTest } from './support';

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  message_type: string;
  payload: Record<string, unknown>;
  published_at: Date | null;
}

jest.setTimeout(60_000);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * UserRegistered leaves user-service through its outbox, written in the registration's own
 * transaction (real PostgreSQL), and the relay publishes it to user.events (real Kafka).
 */
describe('user-service: UserRegistered through the outbox', () => {
  let sut: UserServiceUnderTest;
  const emails: string[] = [];

  /** The outbox rows whose UserRegistered payload names this address (the envelope is the row's payload). */
  const outboxRowsFor = (email: string): Promise<OutboxRow[]> =>
    sut.db.query(`SELECT id, topic, message_key, message_type, payload, published_at FROM outbox WHERE payload->'payload'->>'email' = $1`, [email]);
  const register = (email: string, displayName = 'Ada Lovelace') => {
    emails.push(email.toLowerCase());
    return sut.app.inject({ method: 'POST', url: '/v1/users', payload: { email, displayName, password: PASSWORD } });
  };

  beforeAll(async () => {
    sut = await startUserService();
  }, 60_000);
  afterAll(async () => {
    await sut?.db.query('DELETE FROM users WHERE email = ANY($1)', [emails]);
    await sut?.app.close();
  });

  it('a registration writes exactly one outbox row: UserRegistered on user.events, keyed by the user, a valid envelope', async () => {
    const email = uniqueEmail('outbox');
    const response = await register(email, 'Ada <b>Lovelace</b>');
    expect(response.statusCode).toBe(201);
    const user = response.json() as { id: string };

    const rows = await outboxRowsFor(email);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ topic: topics.user.events, message_key: user.id, message_type: 'UserRegistered' });
    const parsed = validateEnvelope(rows[0].payload);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.envelope).toMatchObject({
      id: rows[0].id,
      type: 'UserRegistered',
      version: 1,
      source: 'user-service',
      aggregateId: user.id,
      payload: { userId: user.id, email, name: 'Ada <b>Lovelace</b>' },
    });
  });

  it('a duplicate registration (409) writes no outbox row: the row count for the address stays at one', async () => {
    const email = uniqueEmail('outbox-dup');
    expect((await register(email)).statusCode).toBe(201);
    const users = await countUsers(sut.db);
    const again = await register(email.toUpperCase(), 'Someone Else');
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await countUsers(sut.db)).toBe(users);
    const rows = await outboxRowsFor(email);
    expect(rows).toHaveLength(1);
    expect(rows[0].payload).toMatchObject({ payload: { name: 'Ada Lovelace' } });
  });

  it('an address the event schema cannot carry (accepted by IsEmail, not by UserRegistered): 400 naming email, no user, no outbox row', async () => {
    const email = `ü-${randomUUID()}@example.org`;
    const users = await countUsers(sut.db);
    const response = await register(email);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'email' })] });
    expect(await countUsers(sut.db)).toBe(users);
    expect(await outboxRowsFor(email)).toEqual([]);
  });

  it('the relay publishes it: the row is marked published and the envelope is on user.events, with its headers', async () => {
    // The events runtime starts the relay once the service is ready (startInProcess marks it ready).
    expect(sut.app.get(EventsRuntime)).toBeDefined();
    await waitFor('the outbox relay to run', async () => (sut.app.get(OutboxRelay).running ? true : undefined));
    const email = uniqueEmail('published');
    const user = (await register(email)).json() as { id: string };
    const [row] = await outboxRowsFor(email);
    await waitFor('the outbox row to be published', async () => ((await outboxRowsFor(email))[0].published_at ? true : undefined));

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
      const found = await waitFor('UserRegistered on user.events', async () => seen.find((m) => m.value.id === row.id));
      expect(found.key).toBe(user.id);
      expect(found.headers).toMatchObject({ 'message-id': row.id, 'message-type': 'UserRegistered', 'message-version': '1' });
      expect(seen.filter((m) => m.value.id === row.id)).toHaveLength(1);
    } finally {
      await consumer.disconnect();
    }
  }, 60_000);
});
