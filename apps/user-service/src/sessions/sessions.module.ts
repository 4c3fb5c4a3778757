import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { KeysModule } from '../keys/keys.module';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { SessionStore } from './session.store';

@Module({
  imports: [AccountsModule, KeysModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionStore],
  exports: [SessionStore],
})
export class SessionsModule {}
