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
  /** Those waiting in whenReady; each is told the outcome once. */
  private readonly waiting = new Set<(ready: boolean) => void>();

  get phase(): LifecyclePhase {
    return this.current;
  }

  markReady(): void {
    if (this.current !== 'starting') return;
    this.current = 'ready';
    this.settle(true);
  }

  beginDraining(): void {
    this.current = 'draining';
    this.settle(false);
  }

  /**
   * The one way background work waits for the service to be ready (its database initialized,
   * its dependencies answered): resolves true once it is (at once if it already is), false if it
   * drains first or `signal` aborts (the waiter's own shutdown). Holds no timer, so it never
   * keeps the process alive.
   */
  whenReady(signal?: AbortSignal): Promise<boolean> {
    if (this.current !== 'starting') return Promise.resolve(this.current === 'ready');
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancel = () => done(false);
      const done = (ready: boolean) => {
        this.waiting.delete(done);
        signal?.removeEventListener('abort', cancel);
        resolve(ready);
      };
      this.waiting.add(done);
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  private settle(ready: boolean): void {
    for (const done of [...this.waiting]) done(ready);
  }
}
