import type { DeliveryOutcome } from '../channel';

/** Twilio's MessageStatus: `delivered`, or `failed`/`undelivered` → failed with the error code; anything else is progress. */
export function twilioOutcome(status: string, errorCode?: string): DeliveryOutcome | undefined {
  if (status === 'delivered') return { status: 'delivered' };
  if (status === 'failed' || status === 'undelivered') return { status: 'failed', reason: `${status}${errorCode ? `: error ${errorCode}` : ''}` };
  return undefined;
}
