import { reserveAndAuthorize, tripCommand as command, type Trip } from '../test/trip-saga';
import { defineSaga } from './definition';
import { begin, decide, failedWhile, type SagaDecision, type SagaState } from './transitions';

const noop = async () => undefined;

/** reserve → authorize → capture (pivot, 3 tries) → confirm (retriable) */
const trip = defineSaga<Trip>(
  'trip',
  [
    ...reserveAndAuthorize({ reserveMs: 1000, authorizeMs: 1000 }),
    { name: 'capture', invoke: command('Capture'), succeeded: 'Captured', failed: 'CaptureFailed', timeoutMs: 1000, attempts: 3 },
    { name: 'confirm', invoke: command('Confirm'), succeeded: 'Confirmed', retriable: true, timeoutMs: 1000 },
  ],
  { completed: noop, rejected: noop },
);

const reply = (type: string, payload: Record<string, unknown> = {}) => ({ kind: 'reply' as const, type, payload });
const timeout = { kind: 'timeout' as const };
const resume = { kind: 'resume' as const };
const limits = { maxAttempts: 4 };

function sent(decision: SagaDecision<Trip>): { state: SagaState<Trip>; type: string; timeoutMs: number } {
  if (decision.action !== 'send') throw new Error(`expected a send, got ${decision.action}`);
  return { state: decision.state, type: decision.command.type, timeoutMs: decision.timeoutMs };
}

/** Runs events from the start; returns the command types sent and the last decision. */
function run(...events: Parameters<typeof decide<Trip>>[2][]) {
  let decision = begin(trip, { tripId: 'T1' });
  const types = [sent(decision).type];
  for (const event of events) {
    const next = decide(trip, sent(decision).state, event);
    if (next.action === 'ignore') continue;
    decision = next;
    if (next.action === 'send') types.push(next.command.type);
  }
  return { types, decision };
}

describe('saga transitions', () => {
  it('happy path: each success sends the next command, the last completes', () => {
    const { types, decision } = run(reply('Reserved'), reply('Authorized', { paymentId: 'P1' }), reply('Captured'), reply('Confirmed'));
    expect(types).toEqual(['Reserve', 'Authorize', 'Capture', 'Confirm']);
    expect(decision.action).toBe('complete');
    expect(decision.action === 'complete' && decision.state.data).toEqual({ tripId: 'T1', paymentId: 'P1' });
  });

  it('a refusal compensates the steps done, in reverse, then rejects with the reason', () => {
    const { types, decision } = run(reply('Reserved'), reply('Authorized', { paymentId: 'P1' }), reply('CaptureFailed', { reason: 'declined' }), reply('Voided'), reply('Released'));
    expect(types).toEqual(['Reserve', 'Authorize', 'Capture', 'Void', 'Release']);
    expect(decision).toMatchObject({ action: 'reject', state: { status: 'REJECTED', failureReason: 'declined' } });
  });

  it('the first step refusing rejects at once: nothing to undo', () => {
    const { types, decision } = run(reply('ReserveFailed', { reason: 'out of stock' }));
    expect(types).toEqual(['Reserve']);
    expect(decision).toMatchObject({ action: 'reject', state: { failureReason: 'out of stock' } });
  });

  it('a timeout undoes the timed-out step too (the participant may have acted late)', () => {
    const { types, decision } = run(reply('Reserved'), timeout, reply('Voided'), reply('Released'));
    expect(types).toEqual(['Reserve', 'Authorize', 'Void', 'Release']);
    expect(decision).toMatchObject({ action: 'reject', state: { failureReason: 'authorize timed out' } });
  });

  it('the pivot is resent up to its attempts, with growing waits, then compensates from the step before', () => {
    let decision = run(reply('Reserved'), reply('Authorized', { paymentId: 'P1' })).decision;
    const waits: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      decision = decide(trip, sent(decision).state, timeout);
      expect(sent(decision).type).toBe('Capture');
      waits.push(sent(decision).timeoutMs);
    }
    expect(waits).toEqual([2000, 4000]);
    decision = decide(trip, sent(decision).state, timeout);
    expect(sent(decision)).toMatchObject({ type: 'Void', state: { status: 'COMPENSATING', failureReason: 'capture timed out' } });
  });

  it('a retriable step is resent up to the retry limit, with capped growing waits, never compensates, then stops FAILED', () => {
    let decision = run(reply('Reserved'), reply('Authorized'), reply('Captured')).decision;
    const waits: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      decision = decide(trip, sent(decision).state, timeout, limits);
      expect(sent(decision)).toMatchObject({ type: 'Confirm', state: { status: 'RUNNING', attempt: i + 2 } });
      waits.push(sent(decision).timeoutMs);
    }
    expect(waits).toEqual([2000, 4000, 8000]);
    expect(decide(trip, sent(decision).state, timeout, limits)).toEqual({
      action: 'fail',
      state: expect.objectContaining({ status: 'FAILED', stepIndex: 3, attempt: 4, failureReason: 'confirm: no reply after 4 attempts' }),
    });
  });

  it('waits are capped at 8 times the timeout, however many attempts the limit allows', () => {
    let decision = run(reply('Reserved'), reply('Authorized'), reply('Captured')).decision;
    for (let i = 0; i < 10; i += 1) decision = decide(trip, sent(decision).state, timeout, { maxAttempts: 20 });
    expect(sent(decision)).toMatchObject({ type: 'Confirm', timeoutMs: 8000, state: { attempt: 11 } });
  });

  it('a compensation that times out is resent up to the retry limit, then the saga stops FAILED, keeping the business reason', () => {
    let decision = run(reply('Reserved'), reply('AuthorizeFailed', { reason: 'declined' })).decision;
    expect(sent(decision).type).toBe('Release');
    decision = decide(trip, sent(decision).state, timeout, limits);
    expect(sent(decision)).toMatchObject({ type: 'Release', state: { attempt: 2, failureReason: 'declined' } });
    expect(decide(trip, sent(decision).state, reply('Released'))).toMatchObject({ action: 'reject' });
    decision = decide(trip, sent(decision).state, timeout, limits);
    decision = decide(trip, sent(decision).state, timeout, limits);
    const stopped = decide(trip, sent(decision).state, timeout, limits);
    expect(stopped).toEqual({ action: 'fail', state: expect.objectContaining({ status: 'FAILED', stepIndex: 0, attempt: 4, failureReason: 'declined' }) });
    expect(stopped.action === 'fail' && failedWhile(trip, stopped.state)).toBe('COMPENSATING');
  });

  it('a FAILED saga takes no reply and no timeout; resumed, it sends the awaited command again, from attempt 1, and carries on', () => {
    // Stopped undoing: resumed, the compensation goes out again; once done, the rest is undone and the saga rejected with the original reason.
    let decision = run(reply('Reserved'), reply('Authorized', { paymentId: 'P1' }), reply('CaptureFailed', { reason: 'declined' })).decision;
    for (let i = 0; i < 4; i += 1) decision = decide(trip, sent(decision).state, timeout, limits);
    expect(decision).toMatchObject({ action: 'fail', state: { status: 'FAILED', stepIndex: 1 } });
    const failed = (decision as Extract<SagaDecision<Trip>, { action: 'fail' }>).state;
    expect(decide(trip, failed, reply('Voided'))).toEqual({ action: 'ignore' });
    expect(decide(trip, failed, timeout)).toEqual({ action: 'ignore' });
    decision = decide(trip, failed, resume);
    expect(sent(decision)).toMatchObject({ type: 'Void', timeoutMs: 1000, state: { status: 'COMPENSATING', stepIndex: 1, attempt: 1, failureReason: 'declined' } });
    decision = decide(trip, sent(decision).state, reply('Voided'));
    expect(sent(decision).type).toBe('Release');
    expect(decide(trip, sent(decision).state, reply('Released'))).toMatchObject({ action: 'reject', state: { failureReason: 'declined' } });

    // Stopped past the pivot: resumed, it confirms again and completes.
    let confirming = run(reply('Reserved'), reply('Authorized'), reply('Captured')).decision;
    for (let i = 0; i < 4; i += 1) confirming = decide(trip, sent(confirming).state, timeout, limits);
    const stopped = (confirming as Extract<SagaDecision<Trip>, { action: 'fail' }>).state;
    expect(failedWhile(trip, stopped)).toBe('RUNNING');
    confirming = decide(trip, stopped, resume);
    expect(sent(confirming)).toMatchObject({ type: 'Confirm', state: { status: 'RUNNING', stepIndex: 3, attempt: 1, failureReason: null } });
    expect(decide(trip, sent(confirming).state, reply('Confirmed'))).toMatchObject({ action: 'complete' });
  });

  it('resuming an active saga sends its awaited command now, attempts from 1; a finished one is not resumed', () => {
    let decision = run(reply('Reserved')).decision;
    decision = decide(trip, sent(decision).state, timeout, { maxAttempts: 4 });
    expect(sent(decision)).toMatchObject({ type: 'Void', state: { status: 'COMPENSATING', attempt: 1 } });
    decision = decide(trip, sent(decision).state, timeout, limits);
    expect(sent(decision).state.attempt).toBe(2);
    expect(sent(decide(trip, sent(decision).state, resume))).toMatchObject({ type: 'Void', state: { status: 'COMPENSATING', attempt: 1 } });
    const done = run(reply('Reserved'), reply('Authorized'), reply('Captured'), reply('Confirmed')).decision;
    expect(decide(trip, (done as Extract<SagaDecision<Trip>, { action: 'complete' }>).state, resume)).toEqual({ action: 'ignore' });
  });

  it('ignores replies the current state does not expect (late, duplicated, reordered)', () => {
    const reserving = sent(begin(trip, { tripId: 'T1' })).state;
    expect(decide(trip, reserving, reply('Authorized'))).toEqual({ action: 'ignore' });
    expect(decide(trip, reserving, reply('Released'))).toEqual({ action: 'ignore' });
    const compensating = sent(decide(trip, sent(decide(trip, reserving, reply('Reserved'))).state, reply('AuthorizeFailed'))).state;
    expect(decide(trip, compensating, reply('Reserved'))).toEqual({ action: 'ignore' });
    expect(decide(trip, { ...compensating, status: 'REJECTED' }, reply('Released'))).toEqual({ action: 'ignore' });
  });

  it('rejects definitions that cannot work', () => {
    const step = { name: 'a', invoke: command('A'), succeeded: 'A', timeoutMs: 1 };
    expect(() => defineSaga('x', [], { completed: noop, rejected: noop })).toThrow('no steps');
    expect(() => defineSaga('x', [step, step], { completed: noop, rejected: noop })).toThrow('twice');
    expect(() => defineSaga('x', [{ ...step, retriable: true }, { ...step, name: 'b' }], { completed: noop, rejected: noop })).toThrow('follows a retriable');
    expect(() => defineSaga('x', [{ ...step, timeoutMs: 0 }], { completed: noop, rejected: noop })).toThrow('positive timeout');
  });
});
