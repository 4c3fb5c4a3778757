import { Injectable } from '@nestjs/common';
import { TransitCipher } from '@ecotrack/secrets';
import type { PaymentMethodSummary } from '../providers/payment-gateway';
import type { Payment } from './payment.entity';

/** A payment with its encrypted fields decrypted: what the service works with. Never saved as such. */
export type PaymentRecord = Payment & { failureReason: string | null; paymentMethod: PaymentMethodSummary | null };

/**
 * The payment fields that are personal or payment data (the decline reason, the payment method
 * summary), encrypted with transit key payment-fields before they are written and decrypted after
 * they are read, here: the database only ever holds their ciphertext.
 */
@Injectable()
export class PaymentFields {
  constructor(private readonly cipher: TransitCipher) {}

  /** The columns to write for these values (the legacy plaintext column is always emptied); one transit request. */
  async encrypt(values: { failureReason?: string | null; paymentMethod?: PaymentMethodSummary | null }): Promise<EncryptedColumns> {
    const columns: EncryptedColumns = {};
    const pending: Array<['failureReasonCiphertext' | 'paymentMethodCiphertext', string]> = [];
    if (values.failureReason !== undefined) {
      columns.failureReasonCiphertext = null;
      columns.legacyFailureReason = null;
      if (values.failureReason !== null) pending.push(['failureReasonCiphertext', values.failureReason]);
    }
    if (values.paymentMethod !== undefined) {
      columns.paymentMethodCiphertext = null;
      if (values.paymentMethod !== null) pending.push(['paymentMethodCiphertext', JSON.stringify(values.paymentMethod)]);
    }
    const ciphertexts = await this.cipher.encryptBatch(pending.map(([, plaintext]) => plaintext));
    pending.forEach(([column], index) => (columns[column] = ciphertexts[index]));
    return columns;
  }

  /** The row with its fields decrypted (one transit request, none when there is nothing to decrypt). */
  async reveal(payment: Payment): Promise<PaymentRecord> {
    // A plaintext left in the legacy column (from before encryption) is the newest value: this version never writes it.
    const reason = payment.legacyFailureReason === null ? payment.failureReasonCiphertext : null;
    const method = payment.paymentMethodCiphertext;
    const plaintexts = await this.cipher.decryptBatch([reason, method].filter((value): value is string => value !== null));
    return Object.assign(payment, {
      failureReason: payment.legacyFailureReason ?? (reason === null ? null : (plaintexts.shift() as string)),
      paymentMethod: method === null ? null : parsePaymentMethod(plaintexts.shift() as string),
    });
  }
}

type EncryptedColumns = Partial<Pick<Payment, 'failureReasonCiphertext' | 'legacyFailureReason' | 'paymentMethodCiphertext'>>;

function parsePaymentMethod(json: string): PaymentMethodSummary {
  const value = JSON.parse(json) as Partial<Record<'type' | 'brand' | 'last4' | 'email', unknown>>;
  if (value.type === 'card' && typeof value.brand === 'string' && typeof value.last4 === 'string') return { type: 'card', brand: value.brand, last4: value.last4 };
  if (value.type === 'paypal' && typeof value.email === 'string') return { type: 'paypal', email: value.email };
  throw new Error('stored payment method has an unknown shape');
}
