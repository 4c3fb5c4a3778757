import { Module } from '@nestjs/common';
import { FieldEncryptionModule } from '@ecotrack/platform';
import { TypeOrmModule } from '@nestjs/typeorm';
import { service } from '../service';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    // Personal fields: encrypted with transit key personal-fields (the service does not start without OpenBao).
    FieldEncryptionModule.forRoot({
      service: service.name,
      key: 'personal-fields',
      columns: [{ table: 'users', column: 'display_name_ciphertext', legacyColumn: 'display_name' }],
    }),
  ],
  controllers: [AccountsController],
  providers: [AccountsService, PasswordHasher],
  exports: [AccountsService],
})
export class AccountsModule {}
