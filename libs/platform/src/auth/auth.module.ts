import { Global, Logger, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OptionalFactoryDependency } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options';
import { BearerChallengeInterceptor } from './bearer-challenge';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RolesGuard } from './roles.guard';
import { RedisSessionRevocation, SESSION_REVOCATION, type SessionRevocation } from './session-revocation';
import { TokenVerifier } from './token-verifier';

export interface AuthModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** Built from the service's own validated config (APP_CONFIG). */
  useFactory: (...args: never[]) => AuthOptions | Promise<AuthOptions>;
}

function chooseRevocation(options: AuthOptions, redis: Redis | undefined): SessionRevocation | null {
  if (options.revocation === false) return null;
  if (options.revocation) return options.revocation;
  if (redis) return new RedisSessionRevocation(redis);
  new Logger('Auth').warn('no Redis in this service: logout takes effect only when access tokens expire');
  return null;
}

/**
 * Authentication for a service in one import: every route requires a bearer
 * access token (unless @Public), @Roles() is enforced, 401s carry a challenge.
 */
@Global()
@Module({})
export class AuthModule {
  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    return {
      module: AuthModule,
      imports: options.imports ?? [],
      providers: [
        { provide: AUTH_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        { provide: TokenVerifier, inject: [AUTH_OPTIONS], useFactory: (auth: AuthOptions) => new TokenVerifier(auth) },
        {
          provide: SESSION_REVOCATION,
          inject: [AUTH_OPTIONS, { token: REDIS, optional: true }],
          useFactory: chooseRevocation,
        },
        // Registration order is execution order: who you are, then what you may do.
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_INTERCEPTOR, useClass: BearerChallengeInterceptor },
      ],
      exports: [AUTH_OPTIONS, TokenVerifier, SESSION_REVOCATION],
    };
  }
}
