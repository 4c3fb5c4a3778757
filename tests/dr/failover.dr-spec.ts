import { stackComponent, stackFailover } from '@ecotrack/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { GOALS, startDrill, type Drill } from './support';

/**
 * The second site, simulated (docs/dr.md): PostgreSQL's streaming replica on its own port. Under a
 * steady order load the primary is lost (killed, its data directory deleted); the replica is
 * promoted and takes the primary's place, its data directory and its address, so the services and
 * OpenBao reconnect to it without a change of their own (on EKS a DNS name moves the same way).
 * It prints the RTO (the disaster to the first order confirmed after it) and the replica's lag at
 * the moment of failure (as the primary last saw it, and as data lost), then checks the invariants.
 */
const LOAD_BEFORE_MS = 30_000;
const LOAD_AFTER_MS = 10_000;

/** The replica as the primary sees it, the instant before it is lost. */
async function replicaLag(): Promise<{ bytes: number; seconds: number }> {
  const primary = new Client({ connectionString: process.env.POSTGRES_ADMIN_URL });
  await primary.connect();
  try {
    const { rows } = await primary.query(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes, coalesce(extract(epoch FROM replay_lag), 0) AS seconds FROM pg_stat_replication`,
    );
    expect(rows).toHaveLength(1); // the replica streams
    return { bytes: Number(rows[0].bytes), seconds: Number(rows[0].seconds) };
  } finally {
    await primary.end();
  }
}

describe('failover drill: the primary lost under order load, the streaming replica promoted in its place', () => {
  let drill: Drill;

  beforeAll(async () => {
    stackComponent('start', 'replica'); // made from the primary if an earlier restore or failover took it
    drill = await startDrill('failover');
  }, 300_000);
  afterAll(async () => {
    await drill?.close();
    stackComponent('start', 'replica'); // a new replica of the new primary: the stack is whole again
  });

  it(`fails over within RTO ${GOALS.rtoSeconds} s, losing at most what the replica had not received, and every invariant holds`, async () => {
    drill.start();
    await sleep(LOAD_BEFORE_MS);
    const lag = await replicaLag();
    const disaster = drill.strike().at;
    stackComponent('lose', 'postgres');
    stackFailover();

    const rtoSeconds = ((await drill.firstConfirmedAfter(disaster)).getTime() - disaster) / 1000;
    await sleep(LOAD_AFTER_MS);
    const lostSeconds = await drill.stop(disaster);
    console.info(
      `failover: RTO ${rtoSeconds.toFixed(1)} s (goal ≤ ${GOALS.rtoSeconds} s); replica lag at failure ${lag.seconds.toFixed(3)} s, ${lag.bytes} bytes behind; data lost ${lostSeconds.toFixed(1)} s (goal ≤ ${GOALS.rpoSeconds} s)`,
    );

    console.info(`  ${await drill.checkInvariants()}`);
    expect(lostSeconds).toBeLessThanOrEqual(GOALS.rpoSeconds);
    expect(rtoSeconds).toBeLessThanOrEqual(GOALS.rtoSeconds);
  }, 900_000);
});
