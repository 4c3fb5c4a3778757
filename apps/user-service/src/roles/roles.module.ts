import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { SessionsModule } from '../sessions/sessions.module';
import { RolesController } from './roles.controller';
import { RolesService } from './roles.service';

/** Granting and withdrawing roles: accounts change, and the sessions that carried the old roles end. */
@Module({
  imports: [AccountsModule, SessionsModule],
  controllers: [RolesController],
  providers: [RolesService],
})
export class RolesModule {}
