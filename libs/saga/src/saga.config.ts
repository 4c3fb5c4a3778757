import { z } from 'zod';

/** The coordinator's variables; a service that runs sagas spreads this into its config extension. */
export const sagaConfig = {
  /** How often overdue saga steps are looked for (resend or compensate). */
  SAGA_TIMEOUT_POLL_MS: z.coerce.number().int().min(10).default(1_000),
  /** An active saga started longer ago than this counts in ecotrack_saga_stuck (and GET /v1/sagas lists it). */
  SAGA_STUCK_AFTER_MS: z.coerce.number().int().min(1_000).default(300_000),
  /** Sends of a command that has no way out (a step past the pivot, a compensation) before the saga stops as FAILED. */
  SAGA_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
};

export interface SagaSettings {
  SAGA_TIMEOUT_POLL_MS: number;
  SAGA_STUCK_AFTER_MS: number;
  SAGA_MAX_ATTEMPTS: number;
}
