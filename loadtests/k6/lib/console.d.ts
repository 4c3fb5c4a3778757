/**
 * k6's console (lines in k6's log output). @types/k6 leaves it out, and lib "dom" would declare
 * every browser global besides, which k6 does not have.
 */
declare const console: Record<'debug' | 'info' | 'log' | 'warn' | 'error', (...values: unknown[]) => void>;
