import { Module, type DynamicModule } from '@nestjs/common';
import { TransitCipher } from '@ecotrack/secrets';
import { fieldCipherProvider } from './field-cipher';
import { ENCRYPTED_COLUMNS, FieldKeyRewrap, FieldKeyRewrapSchedule, type EncryptedColumn } from './field-key-rewrap';
import { fieldKeyRewrapController } from './field-key-rewrap.controller';

export interface FieldEncryptionOptions {
  /** Who asks (for the start-up error). */
  service: string;
  /** The transit key, e.g. personal-fields. */
  key: string;
  /** Every column holding ciphertext of that key: what the rewrap job walks. */
  columns: EncryptedColumn[];
  /** Marks the admin route `POST /v1/admin/field-keys/rewrap` as admins only: the app's `Roles('admin')`. */
  adminOnly: MethodDecorator;
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
      controllers: [fieldKeyRewrapController(options.adminOnly)],
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
