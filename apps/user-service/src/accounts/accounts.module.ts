import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

@Module({
  imports: [TypeOrmModule.forFeature([User])],
  controllers: [AccountsController],
  providers: [AccountsService, PasswordHasher],
  exports: [AccountsService],
})
export class AccountsModule {}
