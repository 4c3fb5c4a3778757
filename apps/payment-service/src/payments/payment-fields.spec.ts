import type { TransitCipher } from '@ecotrack/secrets';
import { PaymentFields } from './payment-fields';
import type { Payment } from './payment.entity';

/** A cipher that "encrypts" visibly (no I/O) and counts its requests. */
function fakeCipher() {
  const requests: string[] = [];
  const encrypt = (text: string) => `vault:v1:${Buffer.from(text).toString('base64')}`;
  const decrypt = (ciphertext: string) => Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64').toString();
  const cipher = {
    encryptBatch: async (texts: string[]) => (texts.length && requests.push('encrypt'), texts.map(encrypt)),
    decryptBatch: async (ciphertexts: string[]) => (ciphertexts.length && requests.push('decrypt'), ciphertexts.map(decrypt)),
  } as unknown as TransitCipher;
  return { cipher, requests, encrypt };
}

const row = (columns: Partial<Payment>): Payment => ({ failureReasonCiphertext: null, legacyFailureReason: null, paymentMethodCiphertext: null, ...columns }) as Payment;

describe('PaymentFields', () => {
  it('encrypts what is given, in one request, and always empties the legacy plaintext column', async () => {
    const { cipher, requests, encrypt } = fakeCipher();
    const fields = new PaymentFields(cipher);
    expect(await fields.encrypt({ failureReason: 'declined', paymentMethod: { type: 'card', brand: 'visa', last4: '4242' } })).toEqual({
      failureReasonCiphertext: encrypt('declined'),
      legacyFailureReason: null,
      paymentMethodCiphertext: encrypt('{"type":"card","brand":"visa","last4":"4242"}'),
    });
    expect(requests).toEqual(['encrypt']);
    expect(await fields.encrypt({ failureReason: null, paymentMethod: null })).toEqual({ failureReasonCiphertext: null, legacyFailureReason: null, paymentMethodCiphertext: null });
    expect(await fields.encrypt({ failureReason: 'refused' })).toEqual({ failureReasonCiphertext: encrypt('refused'), legacyFailureReason: null });
    expect(requests).toEqual(['encrypt', 'encrypt']);
  });

  it('decrypts both fields in one request, and none when there is nothing to decrypt', async () => {
    const { cipher, requests, encrypt } = fakeCipher();
    const fields = new PaymentFields(cipher);
    const payment = await fields.reveal(row({ failureReasonCiphertext: encrypt('declined'), paymentMethodCiphertext: encrypt('{"type":"paypal","email":"p@example.org"}') }));
    expect(payment).toMatchObject({ failureReason: 'declined', paymentMethod: { type: 'paypal', email: 'p@example.org' } });
    expect(await fields.reveal(row({}))).toMatchObject({ failureReason: null, paymentMethod: null });
    expect(requests).toEqual(['decrypt']);
  });

  it('prefers a plaintext left in the legacy column (the newest value) and does not decrypt the older ciphertext', async () => {
    const { cipher, requests, encrypt } = fakeCipher();
    const payment = await new PaymentFields(cipher).reveal(row({ legacyFailureReason: 'written by the previous version', failureReasonCiphertext: encrypt('older') }));
    expect(payment.failureReason).toBe('written by the previous version');
    expect(requests).toEqual([]);
  });

  it('refuses a stored payment method of an unknown shape', async () => {
    const { cipher, encrypt } = fakeCipher();
    await expect(new PaymentFields(cipher).reveal(row({ paymentMethodCiphertext: encrypt('{"type":"card"}') }))).rejects.toThrow(/unknown shape/);
  });
});
