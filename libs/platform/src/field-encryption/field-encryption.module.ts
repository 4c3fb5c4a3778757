import { Module, type DynamicModule } from '@nestjs/common';
import { TransitCipher } from '@ecotrack/secrets';
import { fieldCipherProvider } from './field-cipher';
import { ENCRYPTED_COLUMNS, FieldKeyRewrap, FieldKeyRewrapSchedule, type EncryptedColumn } from './field-key-rewrap';
import { FieldKeyRewrapController } from './field-key-rewrap.controller';

export interface FieldEncryptionOptions {
  /** Who asks (for the start-up error). */
  service: string;
  /** The transit key, e.g. personal-fields. */
  key: string;
  /** Every column holding ciphertext of that key: what the rewrap job walks. */
  columns: EncryptedColumn[];
}

/**
 * Field encryption with one transit key: the TransitCipher for the service layer (encrypt before
 * save, decrypt after load), the rewrap job, its schedule and its admin route.
 */
@Module({})
export class FieldEncryptionModule {
  static forRoot(options: FieldEncryptionOptions): DynamicModule {
    return {
      module: FieldEncryptionModule,
      controllers: [FieldKeyRewrapController],
      providers: [
        fieldCipherProvider(options.service, options.key),
        { provide: ENCRYPTED_COLUMNS, useValue: options.columns },
        FieldKeyRewrap,
        FieldKeyRewrapSchedule,
      ],
      exports: [TransitCipher, FieldKeyRewrap],
    };
  }
}
