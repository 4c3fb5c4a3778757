import type { DataSource } from 'typeorm';
import type { SagaCoordinator } from './coordinator';

const BATCH = 50;

export interface TimeoutPollerOptions {
  /** How often overdue instances are looked for. */
  intervalMs: number;
  /** An active instance started longer ago than this counts as stuck (the gauge an alert watches). */
  stuckAfterMs: number;
  onError: (error: unknown) => void;
}

/**
 * Drives time: overdue instances are resent or compensated. It is also what recovers in-flight
 * sagas after a restart or an outage: whatever reply was lost, the deadline still passes.
 */
export class TimeoutPoller {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly coordinator: SagaCoordinator,
    private readonly db: DataSource,
    private readonly options: TimeoutPollerOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Waits for a pass in progress, so no transaction is cut off by the pool closing. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: expire overdue instances (in batches until none is left), refresh the stuck gauge. */
  async pollOnce(): Promise<void> {
    let expired: number;
    do expired = await this.coordinator.expireOverdue(this.db, BATCH);
    while (expired === BATCH && !this.stopped); // a full batch: more may be overdue
    await this.coordinator.countStuck(this.db, this.options.stuckAfterMs);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pollOnce()
        .catch(this.options.onError)
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
