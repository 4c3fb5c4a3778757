import { randomBytes } from 'node:crypto';

/** A fresh W3C traceparent, so a test knows the trace id before it sends the request. */
export function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}
