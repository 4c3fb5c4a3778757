import type { DataSource, EntityManager, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { OutboxCommitSignal } from './outbox-commit-signal';

/** Just enough of a TypeORM query runner: whether its transaction is open. */
const runner = (isTransactionActive = true) => ({ isTransactionActive }) as QueryRunner;
const managerOf = (queryRunner?: QueryRunner) => ({ queryRunner }) as EntityManager;
const commit = (queryRunner: QueryRunner) => ({ queryRunner }) as TransactionCommitEvent;
const rollback = (queryRunner: QueryRunner) => ({ queryRunner }) as TransactionRollbackEvent;

describe('OutboxCommitSignal', () => {
  let signal: OutboxCommitSignal;
  let wakes: number;
  beforeEach(() => {
    signal = new OutboxCommitSignal();
    wakes = 0;
    signal.onCommit(() => wakes++);
  });

  it('wakes listeners when a transaction that wrote outbox rows commits, not when it writes', () => {
    const tx = runner();
    signal.written(managerOf(tx));
    expect(wakes).toBe(0);
    (tx as { isTransactionActive: boolean }).isTransactionActive = false;
    signal.afterTransactionCommit(commit(tx));
    expect(wakes).toBe(1);
    signal.afterTransactionCommit(commit(tx)); // that transaction is done; its runner's next one wrote nothing
    expect(wakes).toBe(1);
  });

  it('ignores commits of transactions that wrote no outbox row', () => {
    signal.afterTransactionCommit(commit(runner(false)));
    expect(wakes).toBe(0);
  });

  it('does not wake on a rolled-back transaction, nor on a released savepoint', () => {
    const rolledBack = runner();
    signal.written(managerOf(rolledBack));
    (rolledBack as { isTransactionActive: boolean }).isTransactionActive = false;
    signal.afterTransactionRollback(rollback(rolledBack));
    signal.afterTransactionCommit(commit(rolledBack));
    expect(wakes).toBe(0);

    const nested = runner();
    signal.written(managerOf(nested));
    signal.afterTransactionCommit(commit(nested)); // RELEASE SAVEPOINT: still inside the outer transaction
    expect(wakes).toBe(0);
  });

  it('wakes at once for a write outside a transaction (already committed)', () => {
    signal.written(managerOf(undefined));
    expect(wakes).toBe(1);
  });

  it('attaches to a data source once and detaches', () => {
    const dataSource = { subscribers: [] as unknown[] } as unknown as DataSource;
    signal.attach(dataSource);
    signal.attach(dataSource);
    expect(dataSource.subscribers).toEqual([signal]);
    signal.detach(dataSource);
    expect(dataSource.subscribers).toEqual([]);
  });
});
