import { transitAs } from '@ecotrack/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

// Plain JS so the suite's last step runs without a build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PersonalDataMatcher, findIn, accountsCreated, outboxRecords, visitKafkaMessages } = require('./personal-data.js');

interface Finding {
  where: string;
  line: number;
  kind: string;
}

/**
 * The personal-data search of the suite's last step (no-secrets-in-logs.js) against the real
 * stack: an account planted in user-service's database (its name sealed like user-service seals
 * it), then its address planted in an outbox row and its name in a Kafka message. The collectors
 * must bring both back; a search that cannot see a leak would pass any run.
 */
describe('personal data in clear: the search finds a planted leak in a real outbox table and a real Kafka topic', () => {
  const env = process.env as Record<string, string>;
  const since = new Date(Date.now() - 1_000);
  const run = randomUUID().slice(0, 8);
  const person = { email: `planted-${run}@example.org`, name: `Planted Person ${run}` };
  const topic = `test.personal-data-${run}`;
  const outboxId = randomUUID();
  const db = (url: string) => new Client({ connectionString: url });
  const kafka = new Kafka({ clientId: 'personal-data-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    const users = db(env.USER_SERVICE_DATABASE_URL);
    await users.connect();
    const sealedName = await (await transitAs('user-service', 'personal-fields')).encrypt(person.name);
    await users.query(`INSERT INTO users (email, display_name_ciphertext, password_hash) VALUES ($1, $2, 'not a hash')`, [person.email, sealedName]);
    await users.end();

    // Already marked published, so the running relay leaves it alone.
    const orders = db(env.ORDER_SERVICE_DATABASE_URL);
    await orders.connect();
    await orders.query(`INSERT INTO outbox (id, topic, message_key, message_type, payload, headers, published_at) VALUES ($1, 'order.events', $2, 'OrderPlaced', $3::jsonb, '{}'::jsonb, now())`, [
      outboxId,
      outboxId,
      JSON.stringify({ payload: { note: `mail ${person.email}` } }),
    ]);
    await orders.end();

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: run, value: JSON.stringify({ payload: { name: person.name } }) }] });
    await producer.disconnect();
  }, 60_000);

  afterAll(async () => {
    const users = db(env.USER_SERVICE_DATABASE_URL);
    await users.connect();
    await users.query(`DELETE FROM users WHERE email = $1`, [person.email]);
    await users.end();
    const orders = db(env.ORDER_SERVICE_DATABASE_URL);
    await orders.connect();
    await orders.query(`DELETE FROM outbox WHERE id = $1`, [outboxId]);
    await orders.end();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }, 60_000);

  it('collects the account (name decrypted), and finds its address in the outbox row and its name in the Kafka message', async () => {
    const people: { email: string; name: string | null }[] = await accountsCreated(env, since);
    expect(people).toContainEqual(person);
    const matcher = new PersonalDataMatcher(people);

    const outboxFindings: Finding[] = findIn(await outboxRecords(env, since), matcher);
    expect(outboxFindings).toContainEqual({ where: `outbox of ecotrack_order: OrderPlaced ${outboxId}`, line: 1, kind: 'email' });

    const kafkaFindings: Finding[] = [];
    const messages: number = await visitKafkaMessages(env.KAFKA_BROKERS.split(','), since, (record: { where: string; text: string }) => kafkaFindings.push(...findIn([record], matcher)));
    expect(messages).toBeGreaterThan(0);
    expect(kafkaFindings).toContainEqual({ where: `Kafka ${topic}/0@0`, line: 2, kind: 'display name' });
  }, 120_000);
});
