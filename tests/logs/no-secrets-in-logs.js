#!/usr/bin/env node
'use strict';
/**
 * The last check of the test suite: no secret value appears in any log the runs wrote, and no
 * personal data in clear in any log, outbox row or Kafka message.
 *
 * Secrets: every password and token in .stack/stack.env and providers.env, the
 * AppRole secret ids, OpenBao's unseal key, the seeded secrets, and every value of every KV entry under
 * secret/ecotrack (read with the dev root token: JWT private keys, provider keys,
 * Redis URL). Logs: service, mock and infrastructure logs, OpenBao's audit log and
 * the test runs' output under .stack.
 * Personal data (tests/logs/personal-data.js): the email addresses and display names of the
 * accounts created since --since (the run's start), searched in those logs, in every service's
 * outbox rows and in every Kafka message written since then.
 * Reports file and line (or row, or message), never the value.
 *
 *   node tests/logs/no-secrets-in-logs.js [stateDir] [--since <ISO time>]
 */
const fs = require('node:fs');
const path = require('node:path');
const { PersonalDataMatcher, findIn, accountsCreated, outboxRecords, visitKafkaMessages } = require('./personal-data');

const MIN_LENGTH = 12; // shorter strings would match by chance

function readEnvFile(file) {
  const values = {};
  if (!fs.existsSync(file)) return values;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/** The secret parts of an environment file: URL passwords, and values of *_TOKEN, *_KEY, *_SECRET, *PASSWORD. */
function secretsOfEnv(values) {
  const found = [];
  for (const [name, value] of Object.entries(values)) {
    try {
      const url = new URL(value);
      if (url.password) found.push(decodeURIComponent(url.password));
      continue;
    } catch {
      /* not a URL */
    }
    if (/(TOKEN|KEY|SECRET|PASSWORD)$/.test(name)) found.push(value);
  }
  return found;
}

/** Properties of KV entries that are public by design: key ids and timestamps (they may well be logged). */
const PUBLIC_PROPERTY = /^(kid|[a-z_]*_(at|from))$/;

/** Every string in a KV value, and each line of multi-line ones (a PEM body is logged line by line if at all). */
function stringsOf(value, into) {
  if (typeof value === 'string') {
    into.push(value);
    if (value.includes('\n')) for (const line of value.split('\n')) if (!line.startsWith('-----')) into.push(line.trim());
  } else if (value && typeof value === 'object') {
    for (const [name, inner] of Object.entries(value)) if (!PUBLIC_PROPERTY.test(name)) stringsOf(inner, into);
  }
  return into;
}

async function kvSecrets(address, token) {
  const found = [];
  const call = async (method, p) => {
    const response = await fetch(`${address}/v1/${p}`, { method, headers: { 'X-Vault-Token': token } });
    return response.ok ? response.json() : undefined;
  };
  const walk = async (prefix) => {
    const listing = await call('LIST', `secret/metadata/${prefix}`);
    for (const key of listing?.data?.keys ?? []) {
      if (key.endsWith('/')) await walk(prefix + key);
      const entry = await call('GET', `secret/data/${prefix}${key.replace(/\/$/, '')}`);
      if (entry?.data?.data) stringsOf(entry.data.data, found);
    }
  };
  await walk('ecotrack/');
  return found;
}

function filesUnder(dir, accept) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .filter(accept);
}

/** Which files to read: logs and test output, never the files that legitimately hold secrets. */
function logFiles(state) {
  const isLog = (file) => /\.(log|out|json|txt)$/.test(file) || /\/logs?\//.test(file);
  const holdsSecrets = (file) => /\/(openbao\/(approle|seed|data)|postgres\/data|kafka\/data|pgdata)\//.test(file) || /\.env$/.test(file);
  return filesUnder(state, (file) => isLog(file) && !holdsSecrets(file));
}

/** Scans `files` for `secrets`; returns findings as {file, line, secretIndex}. */
function scan(files, secrets) {
  const needles = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_LENGTH))];
  const findings = [];
  let bytes = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    bytes += text.length;
    needles.forEach((needle, secretIndex) => {
      let at = text.indexOf(needle);
      while (at !== -1) {
        findings.push({ file, line: text.slice(0, at).split('\n').length, secretIndex });
        at = text.indexOf(needle, at + needle.length);
      }
    });
  }
  return { findings, bytes, secretCount: needles.length };
}

async function collectSecrets(state) {
  const stackEnv = readEnvFile(path.join(state, 'stack.env'));
  const secrets = [...secretsOfEnv(stackEnv), ...secretsOfEnv(readEnvFile(path.join(state, 'providers.env')))];
  for (const file of filesUnder(path.join(state, 'openbao'), (f) => /\/openbao\/((approle|seed)\/|unseal-key$)/.test(f))) {
    secrets.push(fs.readFileSync(file, 'utf8').trim());
  }
  if (stackEnv.OPENBAO_ADDR && stackEnv.OPENBAO_DEV_ROOT_TOKEN) {
    try {
      secrets.push(...(await kvSecrets(stackEnv.OPENBAO_ADDR, stackEnv.OPENBAO_DEV_ROOT_TOKEN)));
    } catch (error) {
      throw new Error(`could not read the KV secrets from OpenBao (is it up?): ${error.message}`);
    }
  }
  return secrets;
}

/**
 * Personal data of the accounts created since `since`, in clear in the logs, the outbox rows or
 * the Kafka messages since then. `searched` counts what was looked at, so an empty search fails too.
 */
async function personalDataInClear(state, files, since) {
  const env = readEnvFile(path.join(state, 'stack.env'));
  const matcher = new PersonalDataMatcher(await accountsCreated(env, since));
  const findings = [];
  for (const file of files) findings.push(...findIn([{ where: path.relative(state, file), text: fs.readFileSync(file, 'utf8') }], matcher));
  const outbox = await outboxRecords(env, since);
  findings.push(...findIn(outbox, matcher));
  const messages = await visitKafkaMessages(env.KAFKA_BROKERS.split(','), since, (record) => findings.push(...findIn([record], matcher)));
  return { findings, matcher, searched: { outboxRows: outbox.length, kafkaMessages: messages } };
}

/** Passes only when something was searched, for secrets and for personal data, and nothing was found. */
function verdict(secrets, personal) {
  const searchedSecrets = secrets.secretCount > 0 && secrets.files > 0;
  const searchedPersonal = personal.matcher.size > 0 && personal.searched.outboxRows + personal.searched.kafkaMessages > 0;
  return searchedSecrets && searchedPersonal && secrets.findings.length === 0 && personal.findings.length === 0;
}

function parseArgs(argv) {
  const sinceAt = argv.indexOf('--since');
  const since = sinceAt === -1 ? new Date(0) : new Date(argv[sinceAt + 1]);
  if (Number.isNaN(since.getTime())) throw new Error(`--since: not a time: ${argv[sinceAt + 1]}`);
  const rest = argv.filter((_, i) => sinceAt === -1 || (i !== sinceAt && i !== sinceAt + 1));
  return { state: path.resolve(rest[0] ?? path.join(__dirname, '../../.stack')), since };
}

async function main() {
  const { state, since } = parseArgs(process.argv.slice(2));
  const files = logFiles(state);
  const { findings, bytes, secretCount } = scan(files, await collectSecrets(state));
  const where = [...new Set(findings.map((f) => `${path.relative(state, f.file)}:${f.line} (secret #${f.secretIndex})`))];
  console.log(`secrets-in-logs: ${files.length} files (${(bytes / 1e6).toFixed(1)} MB) searched for ${secretCount} secret values: ${findings.length} found`);
  for (const line of where.slice(0, 50)) console.log(`  ${line}`);

  const personal = await personalDataInClear(state, files, since);
  const { matcher, searched } = personal;
  console.log(
    `personal-data-in-clear: ${matcher.emails} emails and ${matcher.names} display names of accounts created since ${since.toISOString()} ` +
      `(${matcher.skippedNames} names too short to search) in ${files.length} files, ${searched.outboxRows} outbox rows, ${searched.kafkaMessages} Kafka messages: ${personal.findings.length} found`,
  );
  for (const line of [...new Set(personal.findings.map((f) => `${f.where}:${f.line} (${f.kind})`))].slice(0, 50)) console.log(`  ${line}`);
  process.exit(verdict({ findings, secretCount, files: files.length }, personal) ? 0 : 1);
}

module.exports = { scan, secretsOfEnv, stringsOf, logFiles, verdict, parseArgs };
if (require.main === module) main().catch((error) => { console.error(`secrets-in-logs: ${error.message}`); process.exit(1); });
