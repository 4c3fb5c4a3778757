import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { KeysModule } from '../keys/keys.module';
import { CountLoginOutcomes, LoginMetrics } from './login-metrics';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { SessionStore } from './session.store';

@Module({
  imports: [AccountsModule, KeysModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionStore, LoginMetrics],
  exports: [SessionStore],
})
export class SessionsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CountLoginOutcomes).forRoutes({ path: 'v1/sessions', method: RequestMethod.POST });
  }
}
