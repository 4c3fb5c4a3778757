import type { CommandType, OutgoingPayload, ReplyType } from '@ecotrack/events';
import type { EntityManager } from 'typeorm';

/**
 * A command the coordinator sends to a participant (through the outbox). Its type is one of the
 * registry's commands and its payload that command's latest schema: the compiler checks both.
 */
export type SagaCommand<T extends CommandType = CommandType> = {
  [K in T]: {
    topic: string;
    type: K;
    /** Kafka key: the aggregate the saga is about, so its commands stay in order on one partition. */
    key: string;
    payload: OutgoingPayload<K>;
  };
}[T];

export type ReplyPayload = Record<string, unknown>;

/** How a step is undone, and the reply that says it was. */
export interface Compensation<Data> {
  invoke: (data: Data) => SagaCommand;
  /**
   * The participant's reply once undone. Compensations must always succeed eventually: they are
   * resent until then, up to `attempts` sends; past that the instance is FAILED (an operator resumes it).
   */
  done: ReplyType;
  /** Sends before the instance stops as FAILED; default: the coordinator's retry limit (SAGA_MAX_ATTEMPTS). */
  attempts?: number;
  /**
   * How to undo the step from its success reply alone, for a saga this service no longer knows: its
   * instance was lost with the database (a restore to a point before it began, docs/dr.md) while
   * its command, already in Kafka, was still carried out. Nobody else would ever undo it.
   */
  orphan?: (reply: ReplyPayload) => SagaCommand;
}

/**
 * One step of the business process: what to ask, which replies mean yes and no, how to undo it,
 * and how long to wait. Steps run in order; a "no" or a timeout runs the compensations of the
 * steps already done, in reverse.
 */
export interface SagaStep<Data> {
  name: string;
  invoke: (data: Data) => SagaCommand;
  /** The reply type meaning the step is done. */
  succeeded: ReplyType;
  /** The reply type meaning the participant refused; absent: this step cannot refuse. */
  failed?: ReplyType;
  /** Folds what the success reply tells (a payment id, say) into the saga's data. */
  onSucceeded?: (data: Data, reply: ReplyPayload) => Data;
  /** Absent: the step changed nothing that needs undoing (or a later compensation covers it). */
  compensation?: Compensation<Data>;
  /** How long to wait for the reply before resending or giving up. */
  timeoutMs: number;
  /**
   * Sends on timeout before giving up (default 1: no resend; for a retriable step, the
   * coordinator's retry limit, SAGA_MAX_ATTEMPTS). Participants are idempotent by business key,
   * so a resend never acts twice. Giving up compensates, or, for a retriable step, stops the
   * instance as FAILED.
   */
  attempts?: number;
  /**
   * After the pivot there is no turning back: a retriable step is resent (up to its attempts)
   * and never compensates (confirming a reservation that is already held, say). When nobody
   * answers, the instance stops as FAILED and an operator resumes it.
   */
  retriable?: boolean;
}

/** The saga's outcome hooks: run in the same transaction as the last state change. */
export interface SagaOutcomes<Data> {
  completed: (tx: EntityManager, sagaId: string, data: Data) => Promise<void>;
  rejected: (tx: EntityManager, sagaId: string, data: Data, reason: string) => Promise<void>;
}

export interface SagaDefinition<Data> extends SagaOutcomes<Data> {
  name: string;
  /** Where the participants answer; the coordinator takes this saga's replies from there (see replyTypesOf). */
  replyTopic: string;
  steps: readonly SagaStep<Data>[];
}

/**
 * Reads like the business process:
 * `defineSaga('create-order', topics.order.sagaReplies, [step, step, ...], { completed, rejected })`.
 */
export function defineSaga<Data>(name: string, replyTopic: string, steps: readonly SagaStep<Data>[], outcomes: SagaOutcomes<Data>): SagaDefinition<Data> {
  if (steps.length === 0) throw new Error(`saga ${name} has no steps`);
  const seen = new Set<string>();
  let pastPivot = false;
  for (const step of steps) {
    if (seen.has(step.name)) throw new Error(`saga ${name}: step "${step.name}" appears twice`);
    seen.add(step.name);
    if (step.retriable) pastPivot = true;
    else if (pastPivot) throw new Error(`saga ${name}: step "${step.name}" can fail but follows a retriable step`);
    if (step.retriable && step.compensation) throw new Error(`saga ${name}: retriable step "${step.name}" cannot have a compensation`);
    if (step.timeoutMs <= 0) throw new Error(`saga ${name}: step "${step.name}" needs a positive timeout`);
  }
  return { name, replyTopic, steps, ...outcomes };
}

/** Every reply the saga's steps and compensations wait for: what its coordinator subscribes to. */
export function replyTypesOf<Data>(saga: SagaDefinition<Data>): ReplyType[] {
  const types = saga.steps.flatMap((step) => [step.succeeded, step.failed, step.compensation?.done]);
  return [...new Set(types.filter((type): type is ReplyType => type !== undefined))];
}

export const seconds = (n: number) => n * 1_000;
