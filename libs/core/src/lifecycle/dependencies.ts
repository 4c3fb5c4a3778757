import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';

/** Something a service needs to serve: a database, a cache, a broker, a consumer's place in its group. */
export interface DependencyCheck {
  /** Short name used in logs and the readiness body, e.g. "postgres". */
  readonly name: string;
  /**
   * false: the service still serves without it (the broker, behind an outbox: writes wait in
   * PostgreSQL). Start-up does not wait for it and readiness stays 200 while it is down,
   * reporting "degraded". Default true.
   */
  readonly critical?: boolean;
  /**
   * true: it can only come up once the service is ready (a Kafka consumer starts then), so
   * start-up never waits for it; readiness still requires it (when critical). Default false.
   */
  readonly readinessOnly?: boolean;
  /**
   * Resolves when the dependency answers; connects first if needed. Throws the reason when it
   * does not; throws DependencyDegraded when it is impaired in a way the service can serve with.
   */
  check(): Promise<void>;
}

/** A check's verdict "impaired, but serve anyway": readiness stays 200, the body says why. */
export class DependencyDegraded extends Error {}

/** A probe's verdict for one dependency: "up", "degraded: <why>" or "down: <why>". */
export type DependencyState = 'up' | `degraded: ${string}` | `down: ${string}`;

export interface WaitPolicy {
  attempts: number;
  maxDelayMs: number;
  firstDelayMs?: number;
}

const CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)) || 'no answer';

/**
 * Every module that opens a connection registers its check here, so start-up
 * waiting and readiness always cover exactly the dependencies that exist.
 */
@Injectable()
export class DependencyRegistry {
  private readonly logger = new Logger('Dependencies');
  private readonly checks: DependencyCheck[] = [];

  register(check: DependencyCheck): void {
    this.checks.push(check);
  }

  get names(): string[] {
    return this.checks.map((check) => check.name);
  }

  /** Names of the dependencies the service cannot serve without. */
  get criticalNames(): string[] {
    return this.checks.filter((check) => check.critical !== false).map((check) => check.name);
  }

  /** Runs all checks once, concurrently; maps each name to "up", or why it is degraded or down. */
  async probe(): Promise<Record<string, DependencyState>> {
    const results = await Promise.all(
      this.checks.map(async (dependency): Promise<[string, DependencyState]> => {
        try {
          await withTimeout(dependency.check(), CHECK_TIMEOUT_MS, dependency.name);
          return [dependency.name, 'up'];
        } catch (error) {
          return [dependency.name, error instanceof DependencyDegraded ? `degraded: ${describe(error)}` : `down: ${describe(error)}`];
        }
      }),
    );
    return Object.fromEntries(results);
  }

  /** Whether the service can serve with these probe results: no critical dependency down. */
  servable(states: Record<string, DependencyState>): boolean {
    return this.criticalNames.every((name) => !states[name]?.startsWith('down'));
  }

  /**
   * Start-up ordering: waits for every critical dependency (concurrently) with bounded,
   * exponential backoff, saying what it waits for. Throws when one never answers. Readiness-only
   * checks are left to readiness: what they watch starts after this.
   */
  async waitForAll(policy: WaitPolicy): Promise<void> {
    const startup = this.checks.filter((check) => !check.readinessOnly);
    const critical = startup.filter((check) => check.critical !== false);
    for (const optional of startup.filter((check) => check.critical === false)) {
      // Not waited for: it connects in the background (and its users retry on their own).
      void withTimeout(optional.check(), CHECK_TIMEOUT_MS, optional.name).then(
        () => this.logger.log(`${optional.name} is up`),
        (error: unknown) => this.logger.warn(`${optional.name} is down (${describe(error)}); serving without it`),
      );
    }
    await Promise.all(critical.map((dependency) => this.waitFor(dependency, policy)));
  }

  private async waitFor(dependency: DependencyCheck, policy: WaitPolicy): Promise<void> {
    let delay = policy.firstDelayMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        await withTimeout(dependency.check(), CHECK_TIMEOUT_MS, dependency.name);
        this.logger.log(`${dependency.name} is up`);
        return;
      } catch (error) {
        if (attempt >= policy.attempts) {
          throw new Error(`gave up waiting for ${dependency.name} after ${attempt} attempts: ${describe(error)}`);
        }
        this.logger.warn(`waiting for ${dependency.name} (attempt ${attempt}/${policy.attempts}): ${describe(error)}; next try in ${delay} ms`);
        await sleep(delay);
        delay = Math.min(delay * 2, policy.maxDelayMs);
      }
    }
  }
}
