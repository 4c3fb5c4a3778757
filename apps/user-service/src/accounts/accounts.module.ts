import { Module } from '@nestjs/common';
import { Roles } from '@ecotrack/platform';
import { SEALED_FIELDS_KEY } from '@ecotrack/events';
import { FieldEncryptionModule, sealedFieldsCipherProvider } from '@ecotrack/field-encryption';
import { TypeOrmModule } from '@nestjs/typeorm';
import { service } from '../service';
import { AccountMetrics } from './account-metrics';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { EmailVerificationController } from './email-verification.controller';
import { EmailVerificationService } from './email-verification.service';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';
import { VerificationMails } from './verification-mails';

@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    // Personal fields: encrypted with transit key personal-fields (the service does not start without OpenBao).
    FieldEncryptionModule.forRoot({
      service: service.name,
      key: 'personal-fields',
      columns: [{ table: 'users', column: 'display_name_ciphertext', legacyColumn: 'display_name' }],
      adminOnly: Roles('admin'),
    }),
  ],
  controllers: [AccountsController, EmailVerificationController],
  providers: [
    AccountsService,
    AccountMetrics,
    PasswordHasher,
    VerificationMails,
    EmailVerificationService,
    // Personal fields of its events (address, token, name) are sealed for notification-service: encrypt only.
    sealedFieldsCipherProvider(service.name, SEALED_FIELDS_KEY),
  ],
  exports: [AccountsService],
})
export class AccountsModule {}
