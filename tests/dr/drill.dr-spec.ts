import { SERVICES, stackBackup, stackComponent, stackRestore } from '@ecotrack/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { GOALS, startDrill, type Drill } from './support';

/**
 * The recovery drill (`./ecotrack drill`, docs/dr.md): under a steady order load PostgreSQL loses
 * its data directory and OpenBao its storage; both are restored to their latest point (the WAL
 * archive, the newest snapshot), the services restart, the load resumes. It prints
 *   RPO: the newest committed row missing after the restore, in seconds of loss, and
 *   RTO: from the disaster to the first order confirmed after it,
 * and checks the fault matrix's invariants on every order that survived (tests/dr/support.ts).
 */
/** Load before the disaster: long enough for WAL segments to be archived under load (archive_timeout 30 s). */
const LOAD_BEFORE_MS = 45_000;
/** Load after the first confirmed order of the restored platform. */
const LOAD_AFTER_MS = 15_000;

describe('recovery drill: PostgreSQL and OpenBao lost under order load, restored to their latest point', () => {
  let drill: Drill;

  beforeAll(async () => {
    drill = await startDrill('drill');
    stackBackup('incr'); // the OpenBao snapshot knows the services' logins and leases; the replay starts here
  }, 300_000);
  afterAll(async () => {
    await drill?.close();
  });

  it(`restores within RPO ${GOALS.rpoSeconds} s and RTO ${GOALS.rtoSeconds} s, and every invariant holds`, async () => {
    drill.start();
    await sleep(LOAD_BEFORE_MS);
    const disaster = drill.strike().at;
    stackComponent('lose', 'postgres');
    stackComponent('lose', 'openbao');

    stackRestore({ openbao: true });
    for (const service of SERVICES) await drill.world.platform.restart(service);

    const rtoSeconds = ((await drill.firstConfirmedAfter(disaster)).getTime() - disaster) / 1000;
    await sleep(LOAD_AFTER_MS);
    const rpoSeconds = await drill.stop(disaster);
    console.info(`drill: RPO ${rpoSeconds.toFixed(1)} s (goal ≤ ${GOALS.rpoSeconds} s), RTO ${rtoSeconds.toFixed(1)} s (goal ≤ ${GOALS.rtoSeconds} s)`);

    console.info(`  ${await drill.checkInvariants()}`);
    expect(rpoSeconds).toBeLessThanOrEqual(GOALS.rpoSeconds);
    expect(rtoSeconds).toBeLessThanOrEqual(GOALS.rtoSeconds);
  }, 900_000);
});
