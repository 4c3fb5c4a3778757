import path from 'node:path';
import { OpenBaoError } from '../src/openbao-client';
import { OpenBaoSecrets } from '../src/openbao-secrets';
import { openBaoSettings } from '../src/settings';
import { TransitCipher } from '../src/transit';

/**
 * TransitCipher against the stack's OpenBao (configured by tools/openbao/configure.sh): the
 * services log in with their AppRole, as they do at start-up, and use their own keys only.
 * (@ecotrack/testing is not importable from this lib, which stands alone: the state dir is found here.)
 */
const STATE_DIR = process.env.ECOTRACK_STATE_DIR ?? path.resolve(__dirname, '../../../.stack');

const login = (service: string) =>
  OpenBaoSecrets.connect(
    openBaoSettings({ ...process.env, OPENBAO_SECRET_ID_FILE: path.join(STATE_DIR, 'openbao', 'approle', `${service}.secret-id`) }, service)!,
    { databaseCredentials: false },
  );

describe('TransitCipher against OpenBao', () => {
  let payment: OpenBaoSecrets;
  let user: OpenBaoSecrets;
  let cipher: TransitCipher;

  beforeAll(async () => {
    [payment, user] = await Promise.all([login('payment-service'), login('user-service')]);
    cipher = new TransitCipher(payment.client, 'payment-fields', payment.settings.transitMount);
  });
  afterAll(async () => {
    await payment?.close();
    await user?.close();
  });

  it('round-trips text (UTF-8, empty) through ciphertext that does not contain it', async () => {
    for (const text of ['Jenny Rosen, visa 4242', 'Zoë Ünal 🌱', '']) {
      const ciphertext = await cipher.encrypt(text);
      expect(ciphertext).toMatch(/^vault:v\d+:/);
      if (text) expect(ciphertext).not.toContain(text);
      expect(await cipher.decrypt(ciphertext)).toBe(text);
    }
  });

  it('encrypts twice to different ciphertexts (random nonce)', async () => {
    expect(await cipher.encrypt('same')).not.toBe(await cipher.encrypt('same'));
  });

  it('encrypts, decrypts and rewraps lists in one request each, in order', async () => {
    const texts = Array.from({ length: 25 }, (_, i) => `payer-${i}@example.org`);
    const ciphertexts = await cipher.encryptBatch(texts);
    expect(ciphertexts).toHaveLength(25);
    expect(await cipher.decryptBatch(ciphertexts)).toEqual(texts);
    const rewrapped = await cipher.rewrap(ciphertexts);
    const latest = await cipher.latestVersion();
    for (const ciphertext of rewrapped) expect(cipher.needsRewrap(ciphertext, latest)).toBe(false);
    expect(await cipher.decryptBatch(rewrapped)).toEqual(texts);
  });

  it('names a failed batch item by position, without the data', async () => {
    const good = await cipher.encrypt('fine');
    const failure = await cipher.decryptBatch([good, 'vault:v1:AAAA']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenBaoError);
    expect((failure as Error).message).toMatch(/batch items 1 failed/);
    expect((failure as Error).message).not.toContain(good);
  });

  it('reads the latest key version (the policy allows transit/keys/payment-fields)', async () => {
    expect(await cipher.latestVersion()).toBeGreaterThanOrEqual(1);
  });

  it("user-service's login is refused payment-fields (403), and payment-service's personal-fields", async () => {
    const ciphertext = await cipher.encrypt('not for user-service');
    const asUser = new TransitCipher(user.client, 'payment-fields');
    for (const attempt of [asUser.encrypt('x'), asUser.decrypt(ciphertext), asUser.rewrap([ciphertext]), asUser.latestVersion()]) {
      await expect(attempt).rejects.toMatchObject({ name: 'OpenBaoError', status: 403 });
    }
    await expect(new TransitCipher(payment.client, 'personal-fields').encrypt('x')).rejects.toMatchObject({ status: 403 });
  });

  it('an error never carries the plaintext', async () => {
    const secret = 'Sensitive Plaintext 1234';
    const failure = await new TransitCipher(user.client, 'payment-fields').encrypt(secret).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(OpenBaoError);
    expect(`${(failure as Error).message} ${(failure as Error).stack}`).not.toContain(secret);
    expect((failure as Error).message).not.toContain(Buffer.from(secret).toString('base64'));
  });
});
