import { Inject, Injectable } from '@nestjs/common';
import { SEALED_FIELDS_CIPHER } from '@ecotrack/field-encryption';
import { OpenBaoError, type TransitCipher } from '@ecotrack/secrets';

/** Template fields that arrive sealed (SEALED_FIELDS_KEY): field name → transit ciphertext. */
export type SealedFields = Record<string, string>;

/** What a sealed field stands for while the template data is checked before it is opened. */
const SEALED_PLACEHOLDER = 'sealed';

/**
 * Template data that events deliver sealed (a verification token, a display name): it is stored
 * sealed beside the notification, opened only to render the message, and dropped once the
 * notification is final. So neither the notifications table nor a log ever holds it in clear.
 */
@Injectable()
export class SealedData {
  constructor(@Inject(SEALED_FIELDS_CIPHER) private readonly cipher: TransitCipher) {}

  /** `data` with a placeholder string for each sealed field, to check it against the template before anything is opened. */
  static withPlaceholders(data: Record<string, unknown>, sealed: SealedFields | undefined): Record<string, unknown> {
    return { ...data, ...Object.fromEntries(Object.keys(sealed ?? {}).map((field) => [field, SEALED_PLACEHOLDER])) };
  }

  /** The fields in clear (one OpenBao request for all of them). */
  async open(sealed: SealedFields | null | undefined): Promise<Record<string, string>> {
    const fields = Object.keys(sealed ?? {});
    if (fields.length === 0) return {};
    const values = await this.cipher.decryptBatch(fields.map((field) => sealed![field]));
    return Object.fromEntries(fields.map((field, i) => [field, values[i]]));
  }

  /** OpenBao did not answer or failed on its side: worth a retry, unlike a refusal (a policy or a bad ciphertext). */
  static isOutage(error: unknown): boolean {
    return error instanceof OpenBaoError && (error.status === undefined || error.status >= 500);
  }
}
