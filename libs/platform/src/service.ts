import type { Type } from '@nestjs/common';
import type { ConfigExtension } from './config/config';
import type { SecretSourceFactory, ServiceInfo } from '@ecotrack/core';

export interface ServiceDefinition extends ServiceInfo {
  module: Type<unknown>;
  /**
   * Extra environment variables this service requires, validated with the platform's; a
   * function when their rules depend on what is set (it gets the environment merged with secrets).
   */
  config?: ConfigExtension | ((env: NodeJS.ProcessEnv) => ConfigExtension);
  /** Where secrets come from besides the environment: `openBaoSecretSource` from @ecotrack/secrets, handed over by main.ts. */
  secrets?: SecretSourceFactory;
}
