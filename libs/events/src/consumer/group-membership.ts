import { DependencyDegraded } from '@ecotrack/core';

export interface MembershipSettings {
  /** Out of the group this long (after having joined) before readiness says no: rebalances are normal. */
  graceMs: number;
  /** A membership that held this long was healthy: what came before it no longer counts. */
  healthyAfterMs: number;
}

/** Errors meaning "the broker does not answer at all", as opposed to "it answers, but we are not in". */
const UNREACHABLE = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSNoBrokerAvailableError', 'KafkaJSBrokerNotFound']);

function brokerUnreachable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 10; depth++) {
    if (UNREACHABLE.has(cause.name)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Whether a consumer is in its group, and what readiness should say about it:
 *
 *   never joined                   not ready (a service is ready only once its consumers joined)
 *   in the group                   ready
 *   out for at most the grace      ready (a rebalance, a restart that rejoins at once)
 *   out for longer                 not ready, naming the group, since when and the last error;
 *                                  but "degraded" (still ready) when the broker itself does not
 *                                  answer: every instance is cut off alike, and writes wait in the
 *                                  outbox, so taking them all out of service would help no one.
 *
 * "Out since" spans a crash loop: a membership shorter than healthyAfterMs does not end it.
 */
export class GroupMembership {
  private joinedAt?: number;
  private everJoined = false;
  private lastingCount = 0;
  private unsettledSince: number;
  private lastError?: { message: string; at: number; unreachable: boolean };

  constructor(
    readonly groupId: string,
    private readonly settings: MembershipSettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.unsettledSince = clock();
  }

  get inGroup(): boolean {
    return this.joinedAt !== undefined;
  }

  /** In the group for at least healthyAfterMs. */
  get healthy(): boolean {
    return this.joinedAt !== undefined && this.clock() - this.joinedAt >= this.settings.healthyAfterMs;
  }

  joined(): void {
    this.joinedAt ??= this.clock();
    this.everJoined = true;
  }

  /** Memberships that had lasted healthyAfterMs when they ended. */
  get lasting(): number {
    return this.lastingCount;
  }

  /** Out of the group (a rebalance started, the consumer stopped or crashed); with the error, when there is one. */
  left(error?: unknown): void {
    if (this.healthy) {
      this.unsettledSince = this.clock();
      this.lastingCount++;
    }
    this.joinedAt = undefined;
    if (error !== undefined) this.failed(error);
  }

  /** An error on the way back (connecting, joining), membership unchanged. */
  failed(error: unknown): void {
    const message = (error instanceof Error ? error.message : String(error)) || 'unknown error';
    this.lastError = { message: message.slice(0, 300), at: this.clock(), unreachable: brokerUnreachable(error) };
  }

  /** Resolves when readiness may say yes; throws why not (DependencyDegraded: serve anyway). */
  verdict(): void {
    if (this.inGroup) return;
    const cause = this.lastError ? `; last error at ${iso(this.lastError.at)}: ${this.lastError.message}` : '';
    if (!this.everJoined) throw new Error(`not in group ${this.groupId} yet (waiting since ${iso(this.unsettledSince)})${cause}`);
    const outFor = this.clock() - this.unsettledSince;
    if (outFor <= this.settings.graceMs) return;
    const reason = `out of group ${this.groupId} since ${iso(this.unsettledSince)} (grace ${this.settings.graceMs} ms)${cause}`;
    if (this.lastError?.unreachable) throw new DependencyDegraded(`${reason}; Kafka does not answer, the consumer rejoins when it does`);
    throw new Error(reason);
  }
}
