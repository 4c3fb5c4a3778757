import type { ReplyType } from '@ecotrack/events';
import type { ReplyPayload, SagaCommand, SagaDefinition } from './definition';

export type SagaStatus = 'RUNNING' | 'COMPENSATING' | 'COMPLETED' | 'REJECTED' | 'FAILED';
export const ACTIVE_STATUSES: readonly SagaStatus[] = ['RUNNING', 'COMPENSATING'];

/** Where an instance stands: the step whose reply (or compensation reply) it awaits. */
export interface SagaState<Data> {
  status: SagaStatus;
  stepIndex: number;
  /** Sends of the awaited command so far (1 = first send). */
  attempt: number;
  data: Data;
  failureReason: string | null;
}

/** A participant's reply, a deadline that passed, or an operator resuming the instance. */
export type SagaEvent = { kind: 'reply'; type: ReplyType; payload: ReplyPayload } | { kind: 'timeout' } | { kind: 'resume' };

/**
 * How long an instance keeps resending before it stops and waits for an operator (FAILED).
 * Bounds the commands that have no way out: retriable steps (past the pivot nothing can be
 * undone) and compensations (the undoing itself). A step that can be compensated is bounded by
 * its own `attempts` and then compensates instead.
 */
export interface RetryLimits {
  /** Sends of such a command (the first included); its waits double from the step's timeout up to 8 times it. */
  maxAttempts: number;
}

/** 10 sends of a 30 s step: 30 s + 1 + 2 + 4 min, then 4 min each; about half an hour before FAILED. */
export const DEFAULT_RETRY_LIMITS: RetryLimits = { maxAttempts: 10 };

/** What the coordinator must do next; `state` is the new state to persist. */
export type SagaDecision<Data> =
  | { action: 'send'; state: SagaState<Data>; command: SagaCommand; timeoutMs: number }
  | { action: 'complete'; state: SagaState<Data> }
  | { action: 'reject'; state: SagaState<Data> }
  | { action: 'fail'; state: SagaState<Data> }
  /** A reply this state does not expect (late, duplicated or out of order): change nothing. */
  | { action: 'ignore' };

/** The first step's command. */
export function begin<Data>(saga: SagaDefinition<Data>, data: Data): SagaDecision<Data> {
  return forward(saga, 0, data);
}

/** The whole protocol, as a pure function: unit-tested without a database or a broker. */
export function decide<Data>(saga: SagaDefinition<Data>, state: SagaState<Data>, event: SagaEvent, limits: RetryLimits = DEFAULT_RETRY_LIMITS): SagaDecision<Data> {
  const step = saga.steps[state.stepIndex];
  if (event.kind === 'resume') return resume(saga, state);
  if (state.status === 'RUNNING') {
    if (event.kind === 'timeout') {
      if (state.attempt < (step.attempts ?? (step.retriable ? limits.maxAttempts : 1))) return resend(state, step.invoke(state.data), step.timeoutMs);
      // Past the pivot there is no undoing: an operator has to look (see resume).
      if (step.retriable) return { action: 'fail', state: { ...state, status: 'FAILED', failureReason: `${step.name}: no reply after ${state.attempt} attempts` } };
      // The participant may have acted just before we gave up: undo this step too, if it can be undone.
      const from = step.compensation ? state.stepIndex : state.stepIndex - 1;
      return compensateFrom(saga, from, state.data, `${step.name} timed out`);
    }
    if (event.type === step.succeeded) {
      const data = step.onSucceeded ? step.onSucceeded(state.data, event.payload) : state.data;
      return forward(saga, state.stepIndex + 1, data);
    }
    if (step.failed && event.type === step.failed) {
      const reason = typeof event.payload.reason === 'string' ? event.payload.reason : `${step.name} failed`;
      if (step.retriable) return { action: 'fail', state: { ...state, status: 'FAILED', failureReason: reason } };
      return compensateFrom(saga, state.stepIndex - 1, state.data, reason);
    }
    return { action: 'ignore' };
  }
  if (state.status === 'COMPENSATING') {
    const compensation = step.compensation!;
    if (event.kind === 'timeout') {
      if (state.attempt < (compensation.attempts ?? limits.maxAttempts)) return resend(state, compensation.invoke(state.data), step.timeoutMs);
      // Stays FAILED at this step with the business reason kept: a resume carries on undoing and rejects with it.
      return { action: 'fail', state: { ...state, status: 'FAILED' } };
    }
    if (event.type === compensation.done) return compensateFrom(saga, state.stepIndex - 1, state.data, state.failureReason ?? 'rejected');
    return { action: 'ignore' };
  }
  return { action: 'ignore' }; // finished sagas take no more messages
}

/**
 * What a FAILED instance was doing when it stopped: a retriable step stops while running (it has
 * no compensation); any other step only stops while its compensation is being sent.
 */
export function failedWhile<Data>(saga: SagaDefinition<Data>, state: SagaState<Data>): 'RUNNING' | 'COMPENSATING' {
  return saga.steps[state.stepIndex].retriable ? 'RUNNING' : 'COMPENSATING';
}

/**
 * An operator's way out for an instance nobody answered (FAILED, or active and waiting long): the
 * command it awaits is sent again, attempts counted from 1. A FAILED instance goes back to what it
 * was doing. Finished ones (COMPLETED, REJECTED) are not resumed.
 */
function resume<Data>(saga: SagaDefinition<Data>, state: SagaState<Data>): SagaDecision<Data> {
  const status = state.status === 'FAILED' ? failedWhile(saga, state) : state.status;
  const step = saga.steps[state.stepIndex];
  if (status === 'RUNNING') {
    return { action: 'send', state: { ...state, status, attempt: 1, failureReason: null }, command: step.invoke(state.data), timeoutMs: step.timeoutMs };
  }
  if (status === 'COMPENSATING' && step.compensation) {
    return { action: 'send', state: { ...state, status, attempt: 1 }, command: step.compensation.invoke(state.data), timeoutMs: step.timeoutMs };
  }
  return { action: 'ignore' };
}

function forward<Data>(saga: SagaDefinition<Data>, index: number, data: Data): SagaDecision<Data> {
  if (index >= saga.steps.length) {
    return { action: 'complete', state: { status: 'COMPLETED', stepIndex: saga.steps.length - 1, attempt: 1, data, failureReason: null } };
  }
  const step = saga.steps[index];
  return {
    action: 'send',
    state: { status: 'RUNNING', stepIndex: index, attempt: 1, data, failureReason: null },
    command: step.invoke(data),
    timeoutMs: step.timeoutMs,
  };
}

/** Undoes the steps at `from` and below, last first; with nothing (left) to undo, the saga is rejected. */
function compensateFrom<Data>(saga: SagaDefinition<Data>, from: number, data: Data, reason: string): SagaDecision<Data> {
  for (let index = from; index >= 0; index -= 1) {
    const compensation = saga.steps[index].compensation;
    if (!compensation) continue;
    return {
      action: 'send',
      state: { status: 'COMPENSATING', stepIndex: index, attempt: 1, data, failureReason: reason },
      command: compensation.invoke(data),
      timeoutMs: saga.steps[index].timeoutMs,
    };
  }
  return { action: 'reject', state: { status: 'REJECTED', stepIndex: Math.max(from, 0), attempt: 1, data, failureReason: reason } };
}

function resend<Data>(state: SagaState<Data>, command: SagaCommand, timeoutMs: number): SagaDecision<Data> {
  // Wait longer each time (up to 8x), so a slow participant is not flooded with duplicates.
  const backoff = Math.min(2 ** state.attempt, 8);
  return { action: 'send', state: { ...state, attempt: state.attempt + 1 }, command, timeoutMs: timeoutMs * backoff };
}
