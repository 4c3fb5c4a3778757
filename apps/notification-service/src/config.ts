import { jwtVerificationConfig } from '@ecotrack/platform';
import { z } from 'zod';

const optionalUrl = z.string().url().optional();
const optionalSecret = z.string().min(1).optional();

/**
 * notification-service's own variables. None has a default: a channel whose provider
 * credentials are absent is unavailable (503 when asked for), and the service still starts.
 */
export const notificationConfig = {
  ...jwtVerificationConfig,
  SENDGRID_API_BASE: optionalUrl,
  SENDGRID_API_KEY: optionalSecret,
  EMAIL_FROM: z.string().email().optional(),
  TWILIO_API_BASE: optionalUrl,
  TWILIO_ACCOUNT_SID: optionalSecret,
  TWILIO_AUTH_TOKEN: optionalSecret,
  /** The public URL of POST /v1/notifications/webhooks/twilio as Twilio reaches it; omitted: no status callbacks. */
  TWILIO_STATUS_CALLBACK_URL: optionalUrl,
  /** Retries of sends the provider could not take (network, timeout, 5xx): attempts in all, first delay, poll period. */
  NOTIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  NOTIFICATION_RETRY_BASE_MS: z.coerce.number().int().min(1).default(2_000),
  NOTIFICATION_RETRY_POLL_MS: z.coerce.number().int().min(10).default(1_000),
  SMS_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'SMS_FROM must be an E.164 number').optional(),
};

export interface NotificationConfig {
  SENDGRID_API_BASE?: string;
  SENDGRID_API_KEY?: string;
  EMAIL_FROM?: string;
  TWILIO_API_BASE?: string;
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  SMS_FROM?: string;
  NOTIFICATION_MAX_ATTEMPTS: number;
  NOTIFICATION_RETRY_BASE_MS: number;
  NOTIFICATION_RETRY_POLL_MS: number;
  TWILIO_STATUS_CALLBACK_URL?: string;
}
