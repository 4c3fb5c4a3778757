import { OpenBaoError, type OpenBaoClient } from './openbao-client';

/** `vault:v<version>:<base64>`: what transit hands out; the version names the key version that encrypted it. */
const CIPHERTEXT = /^vault:v(\d+):[A-Za-z0-9+/=]+$/;

/** The key version a transit ciphertext was made with; undefined when `value` is not one. */
export function ciphertextVersion(value: string): number | undefined {
  const match = CIPHERTEXT.exec(value);
  if (!match) return undefined;
  const version = Number(match[1]);
  return Number.isSafeInteger(version) && version > 0 ? version : undefined;
}

export function isTransitCiphertext(value: unknown): value is string {
  return typeof value === 'string' && ciphertextVersion(value) !== undefined;
}

/**
 * Made with a key version older than `latestVersion`, so a rewrap moves it to the latest one.
 * Something that is not a transit ciphertext at all is an error, not "no": it must not be
 * mistaken for data that is already safe.
 */
export function needsRewrap(ciphertext: string, latestVersion: number): boolean {
  const version = ciphertextVersion(ciphertext);
  if (version === undefined) throw new TypeError('not a transit ciphertext (expected vault:v<n>:...)');
  return version < latestVersion;
}

interface BatchItem {
  ciphertext?: string;
  plaintext?: string;
  key_version?: number;
  error?: string;
}

interface TransitResponse {
  data: BatchItem & { batch_results?: BatchItem[] };
}

interface KeyResponse {
  data: { latest_version: number; min_decryption_version: number; type: string; deletion_allowed?: boolean };
}

const toBase64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const fromBase64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/**
 * Encryption as a service with one named transit key (aes256-gcm96): the key never leaves
 * OpenBao, the database only ever sees `vault:vN:...`. Requests go through the service's
 * logged-in OpenBaoClient, so its policy decides which key it may use (a 403 otherwise).
 *
 * Errors are OpenBaoErrors naming the operation, the key and OpenBao's status, never the
 * data: node-vault's messages are OpenBao's own error strings, which do not echo the input,
 * and batch item errors are reduced to their position.
 */
export class TransitCipher {
  constructor(
    private readonly client: OpenBaoClient,
    readonly key: string,
    /** The transit mount; by default the one in the client's settings (OPENBAO_TRANSIT_MOUNT). */
    private readonly base = client.settings.transitMount,
  ) {}

  async encrypt(plaintext: string, context?: string): Promise<string> {
    const response = await this.write('encrypt', { plaintext: toBase64(plaintext), ...contextOf(context) });
    return expectCiphertext(response.data.ciphertext, this.path('encrypt'));
  }

  async decrypt(ciphertext: string, context?: string): Promise<string> {
    const response = await this.write('decrypt', { ciphertext, ...contextOf(context) });
    return fromBase64(response.data.plaintext);
  }

  /** One request for the whole list; the answer is in the same order. */
  async encryptBatch(plaintexts: readonly string[], context?: string): Promise<string[]> {
    if (plaintexts.length === 0) return [];
    const items = await this.batch('encrypt', plaintexts.map((plaintext) => ({ plaintext: toBase64(plaintext), ...contextOf(context) })));
    return items.map((item) => expectCiphertext(item.ciphertext, this.path('encrypt')));
  }

  async decryptBatch(ciphertexts: readonly string[], context?: string): Promise<string[]> {
    if (ciphertexts.length === 0) return [];
    const items = await this.batch('decrypt', ciphertexts.map((ciphertext) => ({ ciphertext, ...contextOf(context) })));
    return items.map((item) => fromBase64(item.plaintext));
  }

  /**
   * The same data under the key's latest version, without it ever leaving OpenBao in the
   * clear. A ciphertext already at the latest version comes back re-encrypted (new nonce).
   */
  async rewrap(ciphertexts: readonly string[], context?: string): Promise<string[]> {
    if (ciphertexts.length === 0) return [];
    const items = await this.batch('rewrap', ciphertexts.map((ciphertext) => ({ ciphertext, ...contextOf(context) })));
    return items.map((item) => expectCiphertext(item.ciphertext, this.path('rewrap')));
  }

  /** The key's latest version (read from `<mount>/keys/<key>`; the policy must allow reading it). */
  async latestVersion(): Promise<number> {
    const response = await this.client.read<KeyResponse>(`${this.base}/keys/${this.key}`);
    const version = response.data?.latest_version;
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new OpenBaoError('the key has no latest_version', undefined, `${this.base}/keys/${this.key}`);
    }
    return version;
  }

  needsRewrap(ciphertext: string, latestVersion: number): boolean {
    return needsRewrap(ciphertext, latestVersion);
  }

  private path(operation: 'encrypt' | 'decrypt' | 'rewrap'): string {
    return `${this.base}/${operation}/${this.key}`;
  }

  private write(operation: 'encrypt' | 'decrypt' | 'rewrap', body: Record<string, unknown>): Promise<TransitResponse> {
    return this.client.write<TransitResponse>(this.path(operation), body);
  }

  /**
   * A batch request, all or nothing for the caller. OpenBao is asked to answer 200 when only
   * some items fail (partial_failure_response_code), so the error can say which ones (by
   * position: their errors may describe the input); when all fail it answers 400.
   */
  private async batch(operation: 'encrypt' | 'decrypt' | 'rewrap', items: Array<Record<string, unknown>>): Promise<BatchItem[]> {
    const response = await this.write(operation, { batch_input: items, partial_failure_response_code: 200 });
    const results = response.data?.batch_results;
    const path = this.path(operation);
    if (!Array.isArray(results) || results.length !== items.length) {
      throw new OpenBaoError(`expected ${items.length} batch results, got ${Array.isArray(results) ? results.length : 'none'}`, undefined, path);
    }
    const failed = results.flatMap((item, index) => (item.error ? [index] : []));
    if (failed.length > 0) throw new OpenBaoError(`batch items ${failed.join(', ')} failed`, 400, path);
    return results;
  }
}

function contextOf(context: string | undefined): { context?: string } {
  return context === undefined ? {} : { context: toBase64(context) };
}

function expectCiphertext(value: string | undefined, path: string): string {
  if (value === undefined || ciphertextVersion(value) === undefined) throw new OpenBaoError('answer holds no ciphertext', undefined, path);
  return value;
}
