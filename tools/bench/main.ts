import { log, PLAN, stackReady, writeResult } from './context';
import { seed } from './customers';
import { measureIdle } from './idle';
import { measureColdStart } from './cold-start';
import { measureOrders } from './orders';
import { measureRead } from './read';
import { report } from './report';

/**
 * One step of `./ecotrack bench` (the script runs each under the bench lock, so no two
 * measurements on this machine overlap): seed | read | orders | cold-start | idle | report.
 */
const STEPS: Record<string, () => Promise<unknown>> = {
  seed: async () => writeResult('seed', await seed(PLAN.customers)),
  read: measureRead,
  orders: measureOrders,
  'cold-start': measureColdStart,
  idle: measureIdle,
  report,
};

async function main(): Promise<void> {
  const step = STEPS[process.argv[2] ?? ''];
  if (!step) throw new Error(`usage: main.ts ${Object.keys(STEPS).join('|')}`);
  if (process.argv[2] !== 'report') await stackReady();
  await step();
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    log(`${process.argv[2]} failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
