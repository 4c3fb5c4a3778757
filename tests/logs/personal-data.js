'use strict';
/**
 * Personal data in clear where the platform promises there is none (docs/personal-data.md): the
 * email addresses and display names of the accounts a test run created, searched in every
 * service's outbox rows, every Kafka message and every log. Part of no-secrets-in-logs.js (the
 * suite's step). The search itself is pure (PersonalDataMatcher, findIn), so a unit test plants a
 * leak and sees it found; the collectors read the real stack.
 */

/** Display names shorter than this would match by chance ("Ada", "Journey"); they are counted, not searched. */
const MIN_NAME_LENGTH = 12;
/** An address is at least a@b.cd. */
const MIN_EMAIL_LENGTH = 6;

/**
 * Finds any of a set of texts in a text in one pass: every needle is at least `prefix` long, so
 * each position is looked up by the `prefix` characters starting there, and only those candidates
 * are compared in full. Hundreds of needles over a run's logs and messages stay linear.
 */
class PersonalDataMatcher {
  /** @param {{ email?: string | null, name?: string | null }[]} people */
  constructor(people) {
    const needles = new Map();
    this.skippedNames = 0;
    for (const { email, name } of people) {
      if (email && email.length >= MIN_EMAIL_LENGTH) needles.set(email, 'email');
      if (name && name.length >= MIN_NAME_LENGTH) needles.set(name, 'display name');
      else if (name) this.skippedNames += 1;
    }
    // As JSON writes them too (quotes, backslashes, control characters escaped).
    for (const [text, kind] of [...needles]) needles.set(JSON.stringify(text).slice(1, -1), kind);
    this.emails = new Set(people.map((p) => p.email).filter(Boolean)).size;
    this.names = new Set(people.map((p) => p.name).filter((n) => n && n.length >= MIN_NAME_LENGTH)).size;
    this.byPrefix = new Map();
    for (const [text, kind] of needles) {
      const key = text.slice(0, MIN_EMAIL_LENGTH);
      if (!this.byPrefix.has(key)) this.byPrefix.set(key, []);
      this.byPrefix.get(key).push({ text, kind });
    }
  }

  get size() {
    return this.emails + this.names;
  }

  /** Every occurrence in `text`: its offset and what kind of data it is (never the value). */
  find(text) {
    const found = [];
    if (this.byPrefix.size === 0) return found;
    for (let at = 0; at + MIN_EMAIL_LENGTH <= text.length; at++) {
      const candidates = this.byPrefix.get(text.slice(at, at + MIN_EMAIL_LENGTH));
      if (!candidates) continue;
      for (const { text: needle, kind } of candidates) if (text.startsWith(needle, at)) found.push({ offset: at, kind });
    }
    return found;
  }
}

/** Findings in records `{ where, text }` (outbox rows, Kafka messages, log files): where, and which kind of data. */
function findIn(records, matcher) {
  const findings = [];
  for (const { where, text } of records) {
    for (const { offset, kind } of matcher.find(text)) findings.push({ where, line: text.slice(0, offset).split('\n').length, kind });
  }
  return findings;
}

/** The user-service accounts created since `since`, display names decrypted (transit, the dev root token). */
async function accountsCreated(env, since) {
  const rows = await query(env, env.USER_SERVICE_DATABASE_URL, 'SELECT email, display_name, display_name_ciphertext FROM users WHERE created_at >= $1', [since]);
  const sealed = rows.filter((r) => r.display_name_ciphertext);
  const names = await decryptAll(env, 'personal-fields', sealed.map((r) => r.display_name_ciphertext));
  const opened = new Map(sealed.map((r, i) => [r.display_name_ciphertext, names[i]]));
  return rows.map((r) => ({ email: r.email, name: r.display_name ?? opened.get(r.display_name_ciphertext) ?? null }));
}

async function decryptAll(env, key, ciphertexts) {
  const values = [];
  for (let i = 0; i < ciphertexts.length; i += 500) {
    const batch = ciphertexts.slice(i, i + 500).map((ciphertext) => ({ ciphertext }));
    const response = await fetch(`${env.OPENBAO_ADDR}/v1/transit/decrypt/${key}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': env.OPENBAO_DEV_ROOT_TOKEN },
      body: JSON.stringify({ batch_input: batch }),
    });
    if (!response.ok) throw new Error(`OpenBao transit/decrypt/${key}: HTTP ${response.status}`);
    values.push(...(await response.json()).data.batch_results.map((r) => Buffer.from(r.plaintext ?? '', 'base64').toString('utf8')));
  }
  return values;
}

/** Every service's outbox rows written since `since`, as records. */
async function outboxRecords(env, since) {
  const records = [];
  for (const variable of Object.keys(env).filter((name) => /^[A-Z]+_SERVICE_DATABASE_URL$/.test(name)).sort()) {
    const database = new URL(env[variable]).pathname.slice(1);
    const rows = await query(env, env[variable], 'SELECT id, message_type, payload::text AS payload, headers::text AS headers FROM outbox WHERE created_at >= $1', [since]);
    for (const row of rows) records.push({ where: `outbox of ${database}: ${row.message_type} ${row.id}`, text: `${row.payload}\n${row.headers}` });
  }
  return records;
}

/** A query as the PostgreSQL admin, in the database `databaseUrl` names. */
async function query(env, databaseUrl, sql, params) {
  const { Client } = require('pg');
  const url = new URL(env.POSTGRES_ADMIN_URL);
  url.pathname = new URL(databaseUrl).pathname;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Every Kafka message (every topic but Kafka's own, dead letters included) produced since `since`,
 * read up to the end offsets of when the search started; `visit` gets each as a record.
 */
async function visitKafkaMessages(brokers, since, visit, timeoutMs = 300_000) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: 'personal-data-search', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `personal-data-search-${process.pid}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  let count = 0;
  try {
    const topics = (await admin.listTopics()).filter((topic) => !topic.startsWith('__'));
    const pending = new Map();
    for (const topic of topics) {
      for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) if (Number(high) > Number(low)) pending.set(`${topic}/${partition}`, Number(high) - 1);
    }
    if (pending.size === 0) return 0;
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set([...pending.keys()].map((key) => key.replace(/\/\d+$/, '')))], fromBeginning: true });
    const sinceMs = new Date(since).getTime();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Kafka: ${pending.size} partitions not read to their end within ${timeoutMs / 1000} s`)), timeoutMs);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            const key = `${batch.topic}/${batch.partition}`;
            for (const message of batch.messages) {
              if (Number(message.timestamp) >= sinceMs) {
                count += 1;
                const headers = Object.entries(message.headers ?? {}).map(([name, value]) => `${name}: ${String(value)}`).join('\n');
                visit({ where: `Kafka ${key}@${message.offset}`, text: `${message.key?.toString() ?? ''}\n${message.value?.toString() ?? ''}\n${headers}` });
              }
              if (pending.has(key) && Number(message.offset) >= pending.get(key)) pending.delete(key);
            }
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return count;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

module.exports = { PersonalDataMatcher, findIn, accountsCreated, outboxRecords, visitKafkaMessages, MIN_NAME_LENGTH };
