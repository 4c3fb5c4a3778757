import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** `accept` for a probe that gives nothing (undefined, null, false, 0, '') until the thing waited for is there, and then gives it. */
export const present = <T>(value: T): value is Exclude<T, undefined | null | false | 0 | ''> => Boolean(value);

/**
 * Polls `probe` until `accept` takes its value, and returns that value; past the timeout, fails
 * naming what it waited for and the last value seen. A probe that throws ends the wait at once
 * (for "the process exited": no point waiting on). Generous waits only, never timing assertions.
 * The one polling loop of the tests: every wait goes through here.
 */
export function waitUntil<T, U extends T>(what: string, probe: () => Promise<T> | T, accept: (value: T) => value is U, options?: WaitOptions): Promise<U>;
export function waitUntil<T>(what: string, probe: () => Promise<T> | T, accept?: (value: T) => boolean, options?: WaitOptions): Promise<T>;
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean = Boolean,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${shown(value)})`);
    await sleep(options.intervalMs ?? 100);
  }
}

/** The last value, short enough for an error message (a live object, such as a consumer, may be circular). */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}

/** `promise`, or a failure naming what did not happen within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
