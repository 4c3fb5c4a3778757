import type { InjectionToken, Provider } from '@nestjs/common';
import { SECRET_SOURCE, type SecretSource } from '@ecotrack/core';
import { OpenBaoSecrets, TransitCipher } from '@ecotrack/secrets';

/** Why the service refuses to start without OpenBao; there is deliberately no plaintext fallback. */
export function fieldEncryptionUnavailable(service: string, key: string): Error {
  return new Error(
    `field encryption needs OpenBao: set OPENBAO_ADDR (and OPENBAO_SECRET_ID_FILE for AppRole, or OPENBAO_AUTH_METHOD=kubernetes) ` +
      `so ${service} can use transit key ${key}; personal and payment fields are never stored in plaintext`,
  );
}

/**
 * The service's TransitCipher for its field key, on the OpenBao session the platform opened at
 * start-up (SECRET_SOURCE). Production default: without OpenBao the service does not start.
 * `provide` names it when a service needs a second key (see SEALED_FIELDS_CIPHER).
 */
export function fieldCipherProvider(service: string, key: string, provide: InjectionToken = TransitCipher): Provider {
  return {
    provide,
    inject: [SECRET_SOURCE],
    useFactory: (source: SecretSource | null) => {
      if (!(source instanceof OpenBaoSecrets)) throw fieldEncryptionUnavailable(service, key);
      return new TransitCipher(source.client, key, source.settings.transitMount);
    },
  };
}

/**
 * The TransitCipher of the key that seals personal fields inside events (SEALED_FIELDS_KEY of
 * @ecotrack/events): the producer encrypts with it, the one consumer allowed to read them decrypts.
 * A token of its own, beside the service's field key (TransitCipher).
 */
export const SEALED_FIELDS_CIPHER = Symbol('SEALED_FIELDS_CIPHER');

export const sealedFieldsCipherProvider = (service: string, key: string): Provider => fieldCipherProvider(service, key, SEALED_FIELDS_CIPHER);
