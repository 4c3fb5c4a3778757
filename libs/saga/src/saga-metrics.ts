import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type SagaOutcome = 'completed' | 'rejected' | 'failed';

/** ecotrack_saga_*: how many start, how they end, how long they take, how many are stuck or failed, how many were resumed. */
export class SagaMetrics {
  private readonly started: Counter<'saga'>;
  private readonly finished: Counter<'saga' | 'outcome'>;
  private readonly compensations: Counter<'saga' | 'step'>;
  private readonly duration: Histogram<'saga' | 'outcome'>;
  private readonly stuck: Gauge<'saga'>;
  private readonly failed: Gauge<'saga'>;
  private readonly resumed: Counter<'saga'>;
  private readonly ignored: Counter<'saga'>;
  private readonly timeouts: Counter<'saga' | 'step'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.started = new Counter({ name: 'ecotrack_saga_started_total', help: 'Sagas started', labelNames: ['saga'], registers });
    this.finished = new Counter({
      name: 'ecotrack_saga_finished_total',
      help: 'Sagas finished, by outcome (completed; rejected after compensation; failed: needs an operator)',
      labelNames: ['saga', 'outcome'],
      registers,
    });
    this.compensations = new Counter({
      name: 'ecotrack_saga_compensations_total',
      help: 'Compensating commands sent, by the step they undo',
      labelNames: ['saga', 'step'],
      registers,
    });
    this.duration = new Histogram({
      name: 'ecotrack_saga_duration_seconds',
      help: 'Time from start to the final state',
      labelNames: ['saga', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.stuck = new Gauge({
      name: 'ecotrack_saga_stuck',
      help: 'Active sagas started longer ago than the stuck threshold (SAGA_STUCK_AFTER_MS), plus the failed ones',
      labelNames: ['saga'],
      registers,
    });
    this.ignored = new Counter({
      name: 'ecotrack_saga_replies_ignored_total',
      help: 'Replies that did not match the awaited command (late, duplicated or reordered)',
      labelNames: ['saga'],
      registers,
    });
    this.timeouts = new Counter({ name: 'ecotrack_saga_timeouts_total', help: 'Step timeouts', labelNames: ['saga', 'step'], registers });
    this.failed = new Gauge({
      name: 'ecotrack_saga_failed',
      help: 'Sagas in FAILED: resent up to the retry limit without a reply, or refused past the pivot; they wait for an operator (docs/runbooks/EcoTrackSagaFailed.md)',
      labelNames: ['saga'],
      registers,
    });
    this.resumed = new Counter({ name: 'ecotrack_saga_resumed_total', help: 'Sagas an operator resumed (their awaited command sent again)', labelNames: ['saga'], registers });
  }

  countStarted(saga: string): void {
    this.started.inc({ saga });
  }

  countFinished(saga: string, outcome: SagaOutcome, startedAt: Date): void {
    this.finished.inc({ saga, outcome });
    this.duration.observe({ saga, outcome }, (Date.now() - startedAt.getTime()) / 1000);
  }

  countCompensation(saga: string, step: string): void {
    this.compensations.inc({ saga, step });
  }

  countIgnoredReply(saga: string): void {
    this.ignored.inc({ saga });
  }

  countTimeout(saga: string, step: string): void {
    this.timeouts.inc({ saga, step });
  }

  countResumed(saga: string): void {
    this.resumed.inc({ saga });
  }

  setStuck(stuck: Record<string, number>, failed: Record<string, number>, sagaNames: readonly string[]): void {
    for (const saga of sagaNames) {
      this.stuck.set({ saga }, stuck[saga] ?? 0);
      this.failed.set({ saga }, failed[saga] ?? 0);
    }
  }
}
