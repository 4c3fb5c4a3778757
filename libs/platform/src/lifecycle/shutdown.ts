import type { INestApplication, LoggerService } from '@nestjs/common';
import { shutdownTracing } from '@ecotrack/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lifecycle } from '@ecotrack/core';

export interface ShutdownPolicy {
  drainDelayMs: number;
  gracePeriodMs: number;
}

/**
 * Graceful shutdown in the order a load balancer needs:
 * 1. readiness turns 503 (the instance is taken out of rotation),
 * 2. keep serving for the drain delay while that propagates,
 * 3. app.close(): Nest closes the HTTP server (in-flight requests finish) and
 *    only then runs onApplicationShutdown hooks, where consumers and pools close
 *    (so a request still in flight never loses its database connection),
 * 4. flush traces and exit 0. Past the grace period, exit 1 whatever is left.
 */
export function installShutdownHandlers(app: INestApplication, logger: LoggerService, policy: ShutdownPolicy): void {
  let shuttingDown = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    setTimeout(() => {
      logger.error(`shutdown exceeded the ${policy.gracePeriodMs} ms grace period; exiting`);
      process.exit(1);
    }, policy.gracePeriodMs).unref();

    app.get(Lifecycle).beginDraining();
    logger.log(`${signal} received: readiness is 503, draining for ${policy.drainDelayMs} ms`);
    await sleep(policy.drainDelayMs);
    try {
      await app.close();
      logger.log('shutdown complete');
      await shutdownTracing();
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}
