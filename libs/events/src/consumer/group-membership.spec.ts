import { DependencyDegraded } from '@ecotrack/core';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { GroupMembership } from './group-membership';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
/** What kafkajs throws while the broker answers but has no coordinator for the group yet (its cold start). */
const coordinatorNotFound = () => Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' });
const at = (seconds: number) => new Date(T0 + seconds * 1_000).toISOString();

describe('GroupMembership (what readiness says about a consumer)', () => {
  let now: number;
  let membership: GroupMembership;
  const advance = (seconds: number) => (now += seconds * 1_000);
  const verdict = () => {
    try {
      membership.verdict();
      return 'ready';
    } catch (error) {
      return `${error instanceof DependencyDegraded ? 'degraded' : 'down'}: ${(error as Error).message}`;
    }
  };

  beforeEach(() => {
    now = T0;
    membership = new GroupMembership('order-service', { graceMs: 30_000, healthyAfterMs: 60_000 }, () => now);
  });

  it('is not ready before the first join, however long that takes, and says why', () => {
    expect(verdict()).toBe(`down: not in group order-service yet (waiting since ${at(0)})`);
    advance(5);
    membership.failed(coordinatorNotFound());
    advance(300);
    expect(verdict()).toBe(`down: not in group order-service yet (waiting since ${at(0)}); last error at ${at(5)}: Failed to find group coordinator`);
    membership.joined();
    expect(verdict()).toBe('ready');
    expect(membership.inGroup).toBe(true);
  });

  it('after it had joined: out of the group within the grace is fine (a rebalance); past it, not ready', () => {
    membership.joined();
    advance(120);
    membership.left();
    advance(30);
    expect(verdict()).toBe('ready');
    advance(1);
    expect(verdict()).toBe(`down: out of group order-service since ${at(120)} (grace 30000 ms)`);
    membership.joined();
    expect(verdict()).toBe('ready');
  });

  it('a crash loop whose joins do not last counts as one stretch out of the group, from its first exit', () => {
    membership.joined();
    advance(100);
    membership.left(new Error('Snappy compression not implemented'));
    for (let i = 0; i < 10; i++) {
      advance(5);
      membership.joined();
      expect(verdict()).toBe('ready');
      advance(1);
      membership.left(new Error('Snappy compression not implemented'));
    }
    expect(verdict()).toBe(`down: out of group order-service since ${at(100)} (grace 30000 ms); last error at ${at(160)}: Snappy compression not implemented`);
  });

  it('a membership that held for the healthy period starts a new stretch when it ends, and is counted as lasting', () => {
    membership.joined();
    advance(59);
    expect(membership.healthy).toBe(false);
    membership.left();
    expect(membership.lasting).toBe(0);
    membership.joined();
    advance(60);
    expect(membership.healthy).toBe(true);
    membership.left();
    expect(membership.healthy).toBe(false);
    expect(membership.lasting).toBe(1);
    advance(31);
    expect(verdict()).toBe(`down: out of group order-service since ${at(119)} (grace 30000 ms)`);
  });

  it('Kafka not answering at all, after the first join: degraded (serving on), not down; before it: down', () => {
    const unreachable = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { retryCount: 5, retryTime: 1000 });
    membership.failed(unreachable);
    expect(verdict()).toMatch(/^down: not in group order-service yet .*ECONNREFUSED/);
    membership.joined();
    advance(100);
    membership.left(unreachable);
    advance(31);
    expect(verdict()).toBe(
      `degraded: out of group order-service since ${at(100)} (grace 30000 ms); last error at ${at(100)}: Connection error: connect ECONNREFUSED 127.0.0.1:9092; Kafka does not answer, the consumer rejoins when it does`,
    );
    // The broker answers again but the consumer still cannot get in: down.
    membership.failed(coordinatorNotFound());
    expect(verdict()).toMatch(/^down: out of group order-service since .*Failed to find group coordinator$/);
  });
});
