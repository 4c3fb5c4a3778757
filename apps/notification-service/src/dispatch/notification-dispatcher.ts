import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { OutboxCommitSignal } from '@ecotrack/events';
import { APP_CONFIG, Lifecycle } from '@ecotrack/core';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config';
import { NOTIFICATIONS_RECORDED, NotificationsService } from '../notifications/notifications.service';
import { backoffMs } from './backoff';

/** Notifications claimed per pass (their provider calls run in parallel). */
export const DISPATCH_BATCH = 10;

/**
 * Sends what is queued in PostgreSQL: first sends recorded from events, and retries. Starts once
 * the service is ready (the database is initialized then); runs a pass right after a transaction
 * that recorded a notification commits in this process, otherwise every NOTIFICATION_RETRY_POLL_MS
 * (which also finds other instances' records and due retries). Any number of instances may run:
 * they claim with FOR UPDATE SKIP LOCKED. Stops before the database closes, letting the current
 * pass finish (its provider calls and their outcomes), so a graceful stop interrupts no call.
 * NOTIFICATION_DISPATCH_ENABLED=false leaves it off (an instance that only records).
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private loop?: Promise<void>;
  private stopping = false;
  private readonly shutdown = new AbortController();
  private wakeRequested = false;
  private idle?: () => void;
  private unsubscribe?: () => void;
  private passes = 0;

  constructor(
    private readonly notifications: NotificationsService,
    private readonly lifecycle: Lifecycle,
    private readonly dataSource: DataSource,
    @Inject(NOTIFICATIONS_RECORDED) private readonly recorded: OutboxCommitSignal,
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
  ) {}

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Passes finished so far (a sign of life for tests and tools). */
  get completedPasses(): number {
    return this.passes;
  }

  onApplicationBootstrap(): void {
    if (!this.config.NOTIFICATION_DISPATCH_ENABLED) {
      this.logger.log('dispatch disabled (NOTIFICATION_DISPATCH_ENABLED=false): notifications are recorded, another instance sends them');
      return;
    }
    this.loop = this.run().finally(() => (this.loop = undefined));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.shutdown.abort();
    this.unsubscribe?.();
    this.idle?.();
    await this.loop;
    this.recorded.detach(this.dataSource);
  }

  /** Run a pass now rather than at the next poll. */
  wake(): void {
    this.wakeRequested = true;
    this.idle?.();
  }

  private async run(): Promise<void> {
    if (!(await this.lifecycle.whenReady(this.shutdown.signal))) return;
    this.recorded.attach(this.dataSource);
    this.unsubscribe = this.recorded.onCommit(() => this.wake());
    let failures = 0;
    while (!this.stopping) {
      this.wakeRequested = false;
      let claimed = 0;
      try {
        claimed = await this.notifications.dispatchDue(DISPATCH_BATCH);
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn(`dispatch pass failed: ${(error as Error).message}`);
      }
      this.passes++;
      if (this.stopping) return;
      if (failures > 0) await this.sleep(Math.min(backoffMs(failures, this.config.NOTIFICATION_RETRY_POLL_MS), 30_000));
      // A full batch: more may be due. Woken meanwhile: something was recorded during the pass.
      else if (claimed < DISPATCH_BATCH && !this.wakeRequested) await this.sleep(this.config.NOTIFICATION_RETRY_POLL_MS);
    }
  }

  /** Waits `ms`, or less when woken or stopped. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        if (this.idle === end) this.idle = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.idle = end;
    });
  }
}
