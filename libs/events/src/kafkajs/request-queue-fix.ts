/**
 * kafkajs 2.2.4 spins while idle: RequestQueue.scheduleCheckPendingRequests arms a timer even
 * when nothing is pending and no throttle is in effect, with a negative delay (throttledUntil
 * starts at -1), i.e. every millisecond, per broker connection, forever (tulios/kafkajs#1556,
 * #1704; unfixed in the last release). Measured on an idle consumer: ~1,350 wake-ups a second
 * and 3-8 % of a core, in every service. This replaces that one method with the same logic
 * minus the useless timer: a request that cannot be sent at once is queued by push(), which
 * schedules a check itself (pending > 0); a completed or timed-out request checks the queue;
 * a throttle still schedules its check for when it ends.
 *
 * Applied once, on first import of @ecotrack/events' Kafka code; a kafkajs upgrade that changes
 * the method's shape leaves it alone (checked by request-queue-fix.spec.ts).
 */
interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval between checks while requests wait (its CHECK_PENDING_REQUESTS_INTERVAL). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const PATCHED = Symbol.for('ecotrack.kafkajs.requestQueueFix');

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  let delay = this.throttledUntil - Date.now();
  if (this.pending.length > 0) delay = delay > 0 ? delay : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (delay <= 0) return; // nothing waits and no throttle: nothing to check later
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/** Installs the fix on kafkajs's RequestQueue (idempotent); false when kafkajs no longer looks as expected. */
export function fixKafkajsIdleSpin(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module kafkajs does not export
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals & { [PATCHED]?: true } };
  const proto = RequestQueue.prototype;
  if (proto[PATCHED]) return true;
  if (typeof proto.scheduleCheckPendingRequests !== 'function' || typeof proto.checkPendingRequests !== 'function') return false;
  proto.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  proto[PATCHED] = true;
  return true;
}

fixKafkajsIdleSpin();
