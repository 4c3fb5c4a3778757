import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** The committed pact files, one per consumer-provider pair (DESIGN.md: contracts/): what providers verify. */
export const PACT_DIR = path.join(ROOT, 'contracts');

/**
 * Where the consumer tests write, emptied before they run (Pact merges into an existing file, so
 * a dropped interaction would linger). `node tools/contracts/pacts.js check` compares it with
 * contracts/, `update` copies it there.
 */
export const PACT_OUTPUT_DIR = process.env.ECOTRACK_PACT_OUTPUT_DIR ?? path.join(ROOT, 'dist', 'contracts', 'pacts');

/** Where provider tests list what they verified (verified-<provider>.txt). */
export const VERIFIED_DIR = path.join(ROOT, 'dist', 'contracts');
