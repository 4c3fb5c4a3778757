import { rmSync } from 'node:fs';
import { PACT_OUTPUT_DIR } from './dirs';

/** Consumers write their pacts afresh: Pact merges into an existing file, which would keep dropped interactions. */
export default function consumerSetup(): void {
  rmSync(PACT_OUTPUT_DIR, { recursive: true, force: true });
}
