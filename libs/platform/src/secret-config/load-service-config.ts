import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type ConfigExtension, type PlatformConfig } from '../config/config';
import type { ServiceDefinition } from '../service';
import type { SecretSource } from '@ecotrack/core';

export interface ServiceConfig {
  config: PlatformConfig;
  secrets?: SecretSource;
  /** The environment the config was read from (the store's values are not in it). */
  env: NodeJS.ProcessEnv;
}

/** The service's config extension for this environment (see ServiceDefinition.config). */
export function configExtension(definition: ServiceDefinition, env: NodeJS.ProcessEnv): ConfigExtension {
  const { config } = definition;
  return typeof config === 'function' ? config(env) : (config ?? {});
}

type Logger = { info(m: string): void; warn(m: string): void; error(m: string): void };

/**
 * Secrets first, then configuration: the service's SecretSource (OpenBao when
 * configured) is opened and its values validated together with the
 * environment, which wins where both set a variable. The store may still be
 * starting, so opening it is retried like any dependency.
 */
export async function loadServiceConfig(
  definition: ServiceDefinition,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  retry = { attempts: Number(env.DEPENDENCY_WAIT_ATTEMPTS ?? 30) || 30, maxDelayMs: 5_000 },
): Promise<ServiceConfig> {
  let secrets: SecretSource | undefined;
  for (let attempt = 1; definition.secrets; attempt++) {
    try {
      secrets = await definition.secrets(env, { name: definition.name, logger });
      break;
    } catch (error) {
      // A wrong setting will not fix itself: only retry what can (unreachable, 5xx). See SecretSourceFactory.
      const { status, permanent: wrongSetting } = error as { status?: number; permanent?: boolean };
      const permanent = wrongSetting === true || (status !== undefined && status < 500);
      if (permanent || attempt >= retry.attempts) throw error;
      logger.warn(`secrets store not available yet (attempt ${attempt}/${retry.attempts}): ${(error as Error).message}`);
      await sleep(Math.min(retry.maxDelayMs, 200 * 2 ** attempt));
    }
  }
  try {
    const merged = { ...secrets?.values, ...env };
    return { config: loadConfig(configExtension(definition, merged), merged), secrets, env };
  } catch (error) {
    await secrets?.close();
    throw error;
  }
}
