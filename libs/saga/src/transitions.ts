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

export type SagaEvent = { kind: 'reply'; type: string; payload: ReplyPayload } | { kind: 'timeout' };

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
export function decide<Data>(saga: SagaDefinition<Data>, state: SagaState<Data>, event: SagaEvent): SagaDecision<Data> {
  const step = saga.steps[state.stepIndex];
  if (state.status === 'RUNNING') {
    if (event.kind === 'timeout') {
      if (step.retriable || state.attempt < (step.attempts ?? 1)) return resend(state, step.invoke(state.data), step.timeoutMs);
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
    if (event.kind === 'timeout') return resend(state, compensation.invoke(state.data), step.timeoutMs);
    if (event.type === compensation.done) return compensateFrom(saga, state.stepIndex - 1, state.data, state.failureReason ?? 'rejected');
    return { action: 'ignore' };
  }
  return { action: 'ignore' }; // finished sagas take no more messages
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
