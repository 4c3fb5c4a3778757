import { z } from 'zod';

/**
 * The field-key job's knobs (a config extension: spread it into the service's config). Absent
 * from the config, the defaults apply.
 */
export const fieldEncryptionConfig = {
  /** How often the job looks for ciphertexts under an old key version (and plaintext leftovers); 0: never on its own (the admin route remains). */
  FIELD_KEY_REWRAP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(3600),
  /** Rows per transit batch request and per UPDATE. */
  FIELD_KEY_REWRAP_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
};

export interface FieldEncryptionConfig {
  FIELD_KEY_REWRAP_INTERVAL_SECONDS?: number;
  FIELD_KEY_REWRAP_BATCH_SIZE?: number;
}

export const DEFAULT_REWRAP_INTERVAL_SECONDS = 3600;
export const DEFAULT_REWRAP_BATCH_SIZE = 100;
