export { openBaoSettings, OpenBaoSettingsError, type OpenBaoSettings } from './settings';
export { OpenBaoClient, OpenBaoError } from './openbao-client';
export { KvStore, CasConflict, type KvEntry } from './kv';
export { DatabaseCredentials, type DatabaseLogin } from './database-credentials';
export { SecretsMetrics, type LeaseKind, type RotationKind } from './metrics';
export { OpenBaoSecrets, openBaoSecretSource, toEnvironmentNames } from './openbao-secrets';
export { TransitCipher, ciphertextVersion, isTransitCiphertext, needsRewrap } from './transit';
export type { SecretsLogger } from './logger';
