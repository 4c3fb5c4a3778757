import { Injectable } from '@nestjs/common';

/**
 * starting: listening, but dependencies not confirmed yet (readiness 503)
 * ready:    serving traffic
 * draining: SIGTERM received; readiness 503 while in-flight work finishes
 */
export type LifecyclePhase = 'starting' | 'ready' | 'draining';

@Injectable()
export class Lifecycle {
  private current: LifecyclePhase = 'starting';

  get phase(): LifecyclePhase {
    return this.current;
  }

  markReady(): void {
    if (this.current === 'starting') this.current = 'ready';
  }

  beginDraining(): void {
    this.current = 'draining';
  }
}
