import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { waitUntil } from '@ecotrack/testing';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { PACT_DIR, VERIFIED_DIR } from './dirs';
import { parseMessageDescription } from './pact';

/** A message as its provider's own code wrote it: the envelope from the provider's outbox. */
export type MessageProducer = () => Promise<unknown>;

export interface ProviderVerification {
  provider: string;
  /** Where the provider's real HTTP API listens (for pacts with HTTP interactions). */
  baseUrl?: string;
  stateHandlers?: VerifierOptions['stateHandlers'];
  /** How the provider comes to write each message type (keyed by type); see outboxEnvelope. */
  messages?: Partial<Record<string, MessageProducer>>;
}

export interface Interaction {
  description: string;
  type: string;
  providerStates?: { name: string; params?: Record<string, unknown> }[];
  request?: { method: string; path: string };
}

interface PactJson {
  consumer: { name: string };
  provider: { name: string };
  interactions: Interaction[];
}

/**
 * The pacts to verify a provider against: ECOTRACK_PACT_URLS (files, comma-separated: what the
 * promotion gate hands in, the pacts of the consumer versions deployed) or every
 * `contracts/<consumer>-<provider>.json`.
 */
export function pactsFor(provider: string): string[] {
  const given = process.env.ECOTRACK_PACT_URLS?.split(',').filter(Boolean);
  const files = given ?? readdirSync(PACT_DIR).filter((file) => file.endsWith('.json')).map((file) => path.join(PACT_DIR, file));
  return files.filter((file) => readPact(file).provider.name === provider);
}

export const readPact = (file: string): PactJson => JSON.parse(readFileSync(file, 'utf8')) as PactJson;

/** What a failed verification says: each interaction's mismatches, by field path or route. */
export class VerificationFailed extends Error {
  constructor(readonly mismatches: string[]) {
    super(`pact verification failed:\n${mismatches.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'VerificationFailed';
  }
}

interface VerifierOutcome {
  result?: boolean;
  errors?: { interaction: string; mismatch: { mismatches?: { path?: string; mismatch: string }[]; message?: string } }[];
  interactionResults?: { description: string; result: string }[];
}

function outcomeIn(error: unknown): VerifierOutcome | undefined {
  if (!(error instanceof Error)) return error as VerifierOutcome;
  try {
    return JSON.parse(error.message) as VerifierOutcome;
  } catch {
    return undefined;
  }
}

/** Each mismatch as one line: the interaction (with its route, for HTTP), the field path, what differs. */
function mismatchesOf(outcome: VerifierOutcome, pacts: PactJson[]): string[] {
  const interactions = pacts.flatMap((pact) => pact.interactions);
  return (outcome.errors ?? []).flatMap(({ interaction, mismatch }) => {
    const known = interactions.find((candidate) => interaction.endsWith(candidate.description));
    const route = known?.request ? ` (${known.request.method} ${known.request.path})` : '';
    return (mismatch.mismatches ?? [{ mismatch: mismatch.message ?? JSON.stringify(mismatch) }]).map(
      (m) => `${interaction}${route}: ${m.path ? `${m.path} ` : ''}${m.mismatch}`,
    );
  });
}

/**
 * Verifies the provider against its consumers' pacts with Pact's verifier: HTTP interactions
 * against the running provider, message interactions against what `messages` returns for the
 * type named in the description. Writes the list of pairs and interactions verified to
 * dist/contracts/verified-<provider>.txt (the suite prints it) and throws VerificationFailed,
 * naming each mismatching field or route, when any interaction fails.
 */
export async function verifyProvider(verification: ProviderVerification, pactUrls = pactsFor(verification.provider)): Promise<string[]> {
  if (pactUrls.length === 0) throw new Error(`no pacts name ${verification.provider} as their provider`);
  const pacts = pactUrls.map(readPact);
  const messageProviders = Object.fromEntries(
    pacts
      .flatMap((pact) => pact.interactions)
      .flatMap((interaction) => {
        const message = parseMessageDescription(interaction.description);
        if (!message) return [];
        const produce = verification.messages?.[message.type];
        const producer: MessageProducer = produce ?? (async () => Promise.reject(new Error(`${verification.provider} produces no ${message.type}`)));
        return [[interaction.description, producer] as const];
      }),
  );
  let outcome: VerifierOutcome;
  try {
    outcome = (await new Verifier({
      provider: verification.provider,
      // Message-only pacts need no HTTP API: the verifier's own proxy serves the messages.
      providerBaseUrl: verification.baseUrl ?? 'http://127.0.0.1:1',
      pactUrls,
      stateHandlers: verification.stateHandlers,
      messageProviders,
      logLevel: 'error',
    }).verifyProvider()) as VerifierOutcome;
  } catch (error) {
    // Pact's verifier rejects with an Error whose message is the whole outcome, as JSON.
    const outcome = outcomeIn(error);
    if (outcome?.errors) throw new VerificationFailed(mismatchesOf(outcome, pacts));
    throw error;
  }
  if (outcome.result === false) throw new VerificationFailed(mismatchesOf(outcome, pacts));
  const verified = pacts.flatMap((pact) => pact.interactions.map((interaction) => `${pact.consumer.name} -> ${pact.provider.name}: ${interaction.description}`));
  mkdirSync(VERIFIED_DIR, { recursive: true });
  writeFileSync(path.join(VERIFIED_DIR, `verified-${verification.provider}.txt`), `${verified.join('\n')}\n`);
  return verified;
}

/**
 * The newest envelope of a type its provider wrote to its outbox after `afterPosition`, waiting for
 * it: the message exactly as the relay publishes it (the outbox row holds the whole envelope).
 */
export async function outboxEnvelope(dataSource: DataSource, topic: string, type: string, afterPosition = 0): Promise<unknown> {
  const rows = await waitUntil(
    `${type} in the outbox for ${topic}`,
    () => dataSource.query('SELECT payload FROM outbox WHERE topic = $1 AND message_type = $2 AND position > $3 ORDER BY position DESC LIMIT 1', [topic, type, afterPosition]),
    (found: { payload: unknown }[]) => found.length > 0,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return rows[0].payload;
}

/** The outbox's last position now: pass it to outboxEnvelope to see only what comes after. */
export async function outboxPosition(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query('SELECT COALESCE(MAX(position), 0)::bigint AS position FROM outbox');
  return Number(row.position);
}

/** The envelope with this id as its provider wrote it to its outbox (e.g. the reply a command got, whatever its type). */
export async function outboxMessage(dataSource: DataSource, id: string): Promise<unknown> {
  const [row] = (await dataSource.query('SELECT payload FROM outbox WHERE id = $1', [id])) as { payload: unknown }[];
  if (!row) throw new Error(`no message ${id} in the outbox`);
  return row.payload;
}
