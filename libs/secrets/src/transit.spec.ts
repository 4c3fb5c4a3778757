import { OpenBaoError, type OpenBaoClient } from './openbao-client';
import { ciphertextVersion, isTransitCiphertext, needsRewrap, TransitCipher } from './transit';

describe('transit ciphertext versions', () => {
  it('reads the key version from vault:v<n>:...', () => {
    expect(ciphertextVersion('vault:v1:AbC+/9==')).toBe(1);
    expect(ciphertextVersion('vault:v42:AAAA')).toBe(42);
  });

  it.each(['', 'plain text', 'vault:v0:AAAA', 'vault:v:AAAA', 'vault:vx:AAAA', 'vault:v1:', 'vault:v1:not base64!', 'xvault:v1:AAAA', 'vault:v1:AAAA\n'])(
    'is not a transit ciphertext: %j',
    (value) => {
      expect(ciphertextVersion(value)).toBeUndefined();
      expect(isTransitCiphertext(value)).toBe(false);
    },
  );

  it('needs a rewrap only below the latest version', () => {
    expect(needsRewrap('vault:v1:AAAA', 2)).toBe(true);
    expect(needsRewrap('vault:v2:AAAA', 2)).toBe(false);
    expect(needsRewrap('vault:v3:AAAA', 2)).toBe(false);
    expect(needsRewrap('vault:v9:AAAA', 10)).toBe(true); // numerically, not as text
  });

  it('refuses to judge something that is not a ciphertext (it must not pass as safe)', () => {
    expect(() => needsRewrap('Ada Lovelace', 2)).toThrow(/not a transit ciphertext/);
  });
});

/** An OpenBaoClient that records requests and answers from a script: no I/O. */
function fakeClient(answer: (path: string, body: Record<string, unknown>) => unknown) {
  const calls: Array<{ path: string; body?: Record<string, unknown> }> = [];
  const client = {
    settings: { transitMount: 'transit' },
    write: async (path: string, body: Record<string, unknown>) => {
      calls.push({ path, body });
      return answer(path, body);
    },
    read: async (path: string) => {
      calls.push({ path });
      return answer(path, {});
    },
  } as unknown as OpenBaoClient;
  return { client, calls };
}

describe('TransitCipher (requests and answers)', () => {
  it('sends base64 plaintext to <mount>/encrypt/<key> and decodes what decrypt returns', async () => {
    const { client, calls } = fakeClient((path) =>
      path.includes('/encrypt/') ? { data: { ciphertext: 'vault:v1:AAAA', key_version: 1 } } : { data: { plaintext: Buffer.from('Zoë 🌱').toString('base64') } },
    );
    const cipher = new TransitCipher(client, 'personal-fields');
    expect(await cipher.encrypt('Zoë 🌱')).toBe('vault:v1:AAAA');
    expect(calls[0]).toEqual({ path: 'transit/encrypt/personal-fields', body: { plaintext: Buffer.from('Zoë 🌱', 'utf8').toString('base64') } });
    expect(await cipher.decrypt('vault:v1:AAAA')).toBe('Zoë 🌱');
    expect(calls[1]).toEqual({ path: 'transit/decrypt/personal-fields', body: { ciphertext: 'vault:v1:AAAA' } });
  });

  it('decrypts an empty plaintext (OpenBao omits the field) to ""', async () => {
    const { client } = fakeClient(() => ({ data: {} }));
    expect(await new TransitCipher(client, 'k').decrypt('vault:v1:AAAA')).toBe('');
  });

  it('batches as batch_input and keeps the order', async () => {
    const { client, calls } = fakeClient((_path, body) => ({
      data: { batch_results: (body.batch_input as Array<{ plaintext: string }>).map((_item, i) => ({ ciphertext: `vault:v3:AAA${i}` })) },
    }));
    const cipher = new TransitCipher(client, 'payment-fields', 'transit2');
    expect(await cipher.encryptBatch(['a', 'b'])).toEqual(['vault:v3:AAA0', 'vault:v3:AAA1']);
    expect(calls[0].path).toBe('transit2/encrypt/payment-fields');
    expect(calls[0].body).toEqual({ batch_input: [{ plaintext: 'YQ==' }, { plaintext: 'Yg==' }], partial_failure_response_code: 200 });
  });

  it('makes no request for an empty list', async () => {
    const { client, calls } = fakeClient(() => ({}));
    const cipher = new TransitCipher(client, 'k');
    expect(await cipher.encryptBatch([])).toEqual([]);
    expect(await cipher.decryptBatch([])).toEqual([]);
    expect(await cipher.rewrap([])).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('names failed batch items by position, never by content', async () => {
    const { client } = fakeClient(() => ({ data: { batch_results: [{ plaintext: 'eA==' }, { error: 'cipher: message authentication failed' }] } }));
    const failure = await new TransitCipher(client, 'k').decryptBatch(['vault:v1:AAAA', 'vault:v1:BBBB']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenBaoError);
    expect((failure as Error).message).toBe('OpenBao transit/decrypt/k: batch items 1 failed (400)');
  });

  it('refuses an answer without ciphertext rather than storing something else', async () => {
    const { client } = fakeClient(() => ({ data: { batch_results: [{ ciphertext: 'secret in the clear' }] } }));
    await expect(new TransitCipher(client, 'k').rewrap(['vault:v1:AAAA'])).rejects.toThrow(/answer holds no ciphertext/);
  });

  it('reads the latest key version from <mount>/keys/<key>', async () => {
    const { client, calls } = fakeClient(() => ({ data: { latest_version: 4, min_decryption_version: 1, type: 'aes256-gcm96' } }));
    expect(await new TransitCipher(client, 'payment-fields').latestVersion()).toBe(4);
    expect(calls[0].path).toBe('transit/keys/payment-fields');
  });
});
