export { fieldEncryptionConfig, type FieldEncryptionConfig } from './field-encryption.config';
export { FieldEncryptionModule, type FieldEncryptionOptions } from './field-encryption.module';
export { FieldKeyRewrap, type ColumnReport, type EncryptedColumn, type RewrapReport } from './field-key-rewrap';
export { SEALED_FIELDS_CIPHER, sealedFieldsCipherProvider } from './field-cipher';
