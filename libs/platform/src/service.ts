import type { Type } from '@nestjs/common';
import type { ConfigExtension } from './config/config';
import type { SecretSourceFactory } from './secrets/secret-source';

/** What a service tells the platform about itself. */
export interface ServiceInfo {
  /** e.g. "product-service"; used for logs, traces, metrics and the DB application name. */
  name: string;
  version: string;
  /** The documented default port (DESIGN.md); PORT overrides it. */
  port: number;
  description: string;
}

export interface ServiceDefinition extends ServiceInfo {
  module: Type<unknown>;
  /**
   * Extra environment variables this service requires, validated with the platform's; a
   * function when their rules depend on what is set (it gets the environment merged with secrets).
   */
  config?: ConfigExtension | ((env: NodeJS.ProcessEnv) => ConfigExtension);
  /** Where secrets come from besides the environment, e.g. `openBaoSecretSource` from @ecotrack/secrets. */
  secrets?: SecretSourceFactory;
}
