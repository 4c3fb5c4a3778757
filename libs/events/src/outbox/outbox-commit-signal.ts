import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

/**
 * Wakes the relay right after a transaction that wrote to the outbox COMMITS
 * (not when it writes: the row is invisible to the relay until then, and may
 * never exist if the transaction rolls back). In-process only; other instances
 * find the rows on their next poll.
 *
 * TypeORM tells subscribers about every commit; the writer marks the query
 * runners that wrote outbox rows, so only those commits wake anyone.
 */
export class OutboxCommitSignal implements EntitySubscriberInterface {
  private readonly pending = new WeakSet<QueryRunner>();
  private readonly listeners = new Set<() => void>();

  /** Subscribes to the data source's commits (idempotent). Call after it is initialized: initialize() rebuilds the subscriber list. */
  attach(dataSource: DataSource): void {
    if (!dataSource.subscribers.includes(this)) dataSource.subscribers.push(this);
  }

  detach(dataSource: DataSource): void {
    const index = dataSource.subscribers.indexOf(this);
    if (index >= 0) dataSource.subscribers.splice(index, 1);
  }

  /** `listener` runs after each commit of outbox rows; returns the unsubscribe function. */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by OutboxWriter once it inserted a row through `manager`. */
  written(manager: EntityManager): void {
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) this.pending.add(runner);
    else this.fire();
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    // A released savepoint is not a commit: wait for the outermost one.
    if (event.queryRunner.isTransactionActive) return;
    if (this.pending.delete(event.queryRunner)) this.fire();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }

  private fire(): void {
    for (const listener of this.listeners) listener();
  }
}
