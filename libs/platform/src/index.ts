export { bootstrapService, createService, type CreateServiceOptions } from './bootstrap';
export { configExtension, loadServiceConfig, type ServiceConfig } from './secret-config/load-service-config';
export { SecretConfigModule } from './secret-config/secret-config.module';
export { FollowsConfig } from './secret-config/follows-config';
export { ConfigError, flag, loadConfig, platformConfigSchema, type ConfigExtension, type ConfigOf, type PlatformConfig } from './config/config';
export { postgresOptions, type DatabaseSettings } from './database/data-source-options';
export { DatabaseModule } from './database/database.module';
export { afterCommit } from './database/after-commit';
export { everySeries, preparedCounter } from './metrics/prepared-counter';
export { problem, PROBLEM_CONTENT_TYPE, ProblemType, type FieldError, type Problem } from './errors/problem';
export { ProblemDetailsFilter, toProblem } from './errors/problem.filter';
export { strictValidationPipe, uuidParam, ValidationProblemException } from './errors/validation';
export { REDIS, RedisModule } from './redis/redis.module';
export type { ServiceDefinition } from './service';
export { authOptionsFromConfig, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, jwtVerificationConfig } from './auth/auth.config';
export { AuthModule, type AuthModuleAsyncOptions } from './auth/auth.module';
export { AUTH_OPTIONS, type AuthenticatedUser, type AuthOptions, type VerificationKeys } from './auth/auth.options';
export { BearerChallengeInterceptor, setBearerChallenge } from './auth/bearer-challenge';
export { CurrentUser, Public, Roles, type AuthenticatedRequest } from './auth/decorators';
export { JwtAuthGuard } from './auth/jwt-auth.guard';
export { assertOwner } from './auth/ownership';
export { RolesGuard } from './auth/roles.guard';
export { RedisSessionRevocation, SESSION_REVOCATION, sessionKey, type SessionRevocation } from './auth/session-revocation';
export { ACCESS_TOKEN_TYPE, ALLOWED_ALGORITHMS, KeySetUnavailable, TokenRejected, TokenVerifier } from './auth/token-verifier';
export { PageQuery } from './http/page-query';
export { columnLinks, columnRange, FitsColumn, PG_INTEGER_MAX, type AnyClass, type ColumnLink, type ColumnRange, type NumberBounds } from './database/column-bounds';
export { MAX_JSON_DEPTH } from './http/json-body';
export { CurrencyCode, formatMinorUnits, isPricedCurrency, minorUnitExponent, parseMinorUnits } from './money/minor-units';
export { ProblemDto } from './http/openapi';
export {
  bodyField,
  RateLimit,
  RATE_LIMITED_PROBLEM_TYPE,
  RateLimiter,
  RateLimitInterceptor,
  type AccountKey,
  type FailureBackoff,
  type RouteRateLimit,
  type RateLimitSettings,
} from './rate-limit';
export {
  CLIENT_CERT_HEADER,
  internalCaller,
  peerSpiffeId,
  SERVICE_CREDENTIAL_HEADER,
  ServiceCredential,
} from './internal-calls/internal-caller';
export { internalCallsConfig, type InternalCallsConfig } from './internal-calls/internal-calls.config';
export { PgError, pgErrorCode } from './database/pg-errors';
