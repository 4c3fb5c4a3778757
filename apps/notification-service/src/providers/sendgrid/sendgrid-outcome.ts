import type { DeliveryOutcome } from '../channel';

/** The fields of a SendGrid Event Webhook event that matter here (custom args arrive as top-level fields). */
export interface SendGridEvent {
  event: string;
  sg_event_id: string;
  sg_message_id?: unknown;
  notification_id?: unknown;
  reason?: unknown;
  type?: unknown;
  timestamp?: unknown;
}

/**
 * A SendGrid event: `delivered` → delivered; `bounce` (type bounce or blocked) and `dropped` →
 * failed with SendGrid's reason; `processed`, `deferred` (SendGrid keeps trying) and engagement
 * events (open, click, ...) change nothing.
 */
export function sendGridOutcome(event: SendGridEvent): DeliveryOutcome | undefined {
  const reason = typeof event.reason === 'string' && event.reason ? `: ${event.reason}` : '';
  switch (event.event) {
    case 'delivered':
      return { status: 'delivered' };
    case 'bounce':
      return { status: 'failed', reason: `bounce${typeof event.type === 'string' && event.type !== 'bounce' ? ` (${event.type})` : ''}${reason}` };
    case 'dropped':
      return { status: 'failed', reason: `dropped${reason}` };
    default:
      return undefined;
  }
}
