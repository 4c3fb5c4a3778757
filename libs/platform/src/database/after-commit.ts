import { Logger } from '@nestjs/common';
import { EventSubscriber, type EntityManager, type EntitySubscriberInterface, type QueryRunner, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';

const PENDING = Symbol('ecotrack.afterCommit');

interface Pending {
  /** The transaction depth it was registered at: a savepoint rolled back drops what it registered. */
  depth: number;
  run: () => void;
}
type TrackedRunner = QueryRunner & { [PENDING]?: Pending[]; transactionDepth?: number };

/**
 * Runs `run` once the transaction `tx` belongs to has committed; never if it rolls back.
 * For facts that are true only when committed (an order confirmed: a metric must not count a
 * transaction a conflict rolled back and a retry redoes). Outside a transaction it runs now.
 * `run` must not throw: it runs after COMMIT, where an error could only be logged.
 */
export function afterCommit(tx: EntityManager, run: () => void): void {
  const runner = tx.queryRunner as TrackedRunner | undefined;
  if (!runner?.isTransactionActive) return run();
  (runner[PENDING] ??= []).push({ depth: runner.transactionDepth ?? 1, run });
}

/** The TypeORM subscriber that makes afterCommit work; postgresOptions registers it. */
@EventSubscriber()
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  private readonly logger = new Logger('Database');

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const runner = queryRunner as TrackedRunner;
    // A savepoint released: the outer transaction may still roll back.
    if (runner.isTransactionActive || !runner[PENDING]) return;
    const pending = runner[PENDING];
    runner[PENDING] = undefined;
    for (const { run } of pending) {
      try {
        run();
      } catch (error) {
        this.logger.error(`after-commit action failed: ${(error as Error).message}`);
      }
    }
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    const runner = queryRunner as TrackedRunner;
    if (!runner[PENDING]) return;
    const depth = runner.isTransactionActive ? (runner.transactionDepth ?? 0) : 0;
    const kept = runner[PENDING].filter((pending) => pending.depth <= depth);
    runner[PENDING] = kept.length > 0 ? kept : undefined;
  }
}
