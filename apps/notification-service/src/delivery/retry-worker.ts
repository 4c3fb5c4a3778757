import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/platform';
import type { NotificationConfig } from '../config';
import { NotificationsService } from './notifications.service';

/** Polls the retry queue every NOTIFICATION_RETRY_POLL_MS; one pass at a time. */
@Injectable()
export class RetryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetryWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly notifications: NotificationsService,
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.notifications
        .retryDue()
        .catch((error: Error) => this.logger.warn(`retry pass failed: ${error.message}`))
        .finally(() => (this.running = undefined));
    }, this.config.NOTIFICATION_RETRY_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
