/** How long one call to an email, SMS or push provider may take (every sender's default). */
export const PROVIDER_TIMEOUT_MS = 10_000;
/** SMTP: a socket may stay idle this many provider timeouts (a slow DATA phase is normal). */
export const SMTP_IDLE_TIMEOUTS = 3;

/**
 * The longest one HTTP request of notification-service can wait on a provider (an admin send
 * waits for it; push goes to a user's browsers in parallel): SMTP's idle socket. The mesh's
 * per-try timeout of this service must be longer (tools/k8s/test/chart-config.int-spec.ts).
 */
export const longestProviderWaitMs = (): number => SMTP_IDLE_TIMEOUTS * PROVIDER_TIMEOUT_MS;
