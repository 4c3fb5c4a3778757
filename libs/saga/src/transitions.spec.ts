import type { ReplyType } from '@ecotrack/events';
import { reserveAndAuthorize, TRIP_REPLIES, tripCommands, type Trip } from '../test/trip-saga';
import { defineSaga, replyTypesOf } from './definition';
import { begin, decide, failedWhile, type SagaDecision, type SagaState } from './transitions';

const noop = async () => undefined;

/** reserve → authorize → capture (pivot, 3 tries) → confirm (retriable) */
const trip = defineSaga<Trip>(
  'trip',
  TRIP_REPLIES,
  [
    ...reserveAndAuthorize({ reserveMs: 1000, authorizeMs: 1000 }),
    { name: 'capture', invoke: tripCommands.capture, succeeded: 'PaymentCaptured', failed: 'PaymentCaptureFailed', timeoutMs: 1000, attempts: 3 },
    { name: 'confirm', invoke: tripCommands.confirm, succeeded: 'ReservationConfirmed', retriable: true, timeoutMs: 1000 },
  ],
  { completed: noop, rejected: noop },
);

const reply = (type: ReplyType, payload: Record<string, unknown> = {}) => ({ kind: 'reply' as const, type, payload });
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
    const { types, decision } = run(reply('InventoryReserved'), reply('PaymentAuthorized', { paymentId: 'P1' }), reply('PaymentCaptured'), reply('ReservationConfirmed'));
    expect(types).toEqual(['ReserveInventory', 'AuthorizePayment', 'CapturePayment', 'ConfirmReservation']);
    expect(decision.action).toBe('complete');
    expect(decision.action === 'complete' && decision.state.data).toEqual({ tripId: 'T1', paymentId: 'P1' });
  });

  it('a refusal compensates the steps done, in reverse, then rejects with the reason', () => {
    const { types, decision } = run(reply('InventoryReserved'), reply('PaymentAuthorized', { paymentId: 'P1' }), reply('PaymentCaptureFailed', { reason: 'declined' }), reply('PaymentVoided'), reply('ReservationReleased'));
    expect(types).toEqual(['ReserveInventory', 'AuthorizePayment', 'CapturePayment', 'VoidPayment', 'ReleaseReservation']);
    expect(decision).toMatchObject({ action: 'reject', state: { status: 'REJECTED', failureReason: 'declined' } });
  });

  it('the first step refusing rejects at once: nothing to undo', () => {
    const { types, decision } = run(reply('InventoryReservationFailed', { reason: 'out of stock' }));
    expect(types).toEqual(['ReserveInventory']);
    expect(decision).toMatchObject({ action: 'reject', state: { failureReason: 'out of stock' } });
  });

  it('a timeout undoes the timed-out step too (the participant may have acted late)', () => {
    const { types, decision } = run(reply('InventoryReserved'), timeout, reply('PaymentVoided'), reply('ReservationReleased'));
    expect(types).toEqual(['ReserveInventory', 'AuthorizePayment', 'VoidPayment', 'ReleaseReservation']);
    expect(decision).toMatchObject({ action: 'reject', state: { failureReason: 'authorize timed out' } });
  });

  it('the pivot is resent up to its attempts, with growing waits, then compensates from the step before', () => {
    let decision = run(reply('InventoryReserved'), reply('PaymentAuthorized', { paymentId: 'P1' })).decision;
    const waits: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      decision = decide(trip, sent(decision).state, timeout);
      expect(sent(decision).type).toBe('CapturePayment');
      waits.push(sent(decision).timeoutMs);
    }
    expect(waits).toEqual([2000, 4000]);
    decision = decide(trip, sent(decision).state, timeout);
    expect(sent(decision)).toMatchObject({ type: 'VoidPayment', state: { status: 'COMPENSATING', failureReason: 'capture timed out' } });
  });

  it('a retriable step is resent up to the retry limit, with capped growing waits, never compensates, then stops FAILED', () => {
    let decision = run(reply('InventoryReserved'), reply('PaymentAuthorized'), reply('PaymentCaptured')).decision;
    const waits: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      decision = decide(trip, sent(decision).state, timeout, limits);
      expect(sent(decision)).toMatchObject({ type: 'ConfirmReservation', state: { status: 'RUNNING', attempt: i + 2 } });
      waits.push(sent(decision).timeoutMs);
    }
    expect(waits).toEqual([2000, 4000, 8000]);
    expect(decide(trip, sent(decision).state, timeout, limits)).toEqual({
      action: 'fail',
      state: expect.objectContaining({ status: 'FAILED', stepIndex: 3, attempt: 4, failureReason: 'confirm: no reply after 4 attempts' }),
    });
  });

  it('waits are capped at 8 times the timeout, however many attempts the limit allows', () => {
    let decision = run(reply('InventoryReserved'), reply('PaymentAuthorized'), reply('PaymentCaptured')).decision;
    for (let i = 0; i < 10; i += 1) decision = decide(trip, sent(decision).state, timeout, { maxAttempts: 20 });
    expect(sent(decision)).toMatchObject({ type: 'ConfirmReservation', timeoutMs: 8000, state: { attempt: 11 } });
  });

  it('a compensation that times out is resent up to the retry limit, then the saga stops FAILED, keeping the business reason', () => {
    let decision = run(reply('InventoryReserved'), reply('PaymentAuthorizationFailed', { reason: 'declined' })).decision;
    expect(sent(decision).type).toBe('ReleaseReservation');
    decision = decide(trip, sent(decision).state, timeout, limits);
    expect(sent(decision)).toMatchObject({ type: 'ReleaseReservation', state: { attempt: 2, failureReason: 'declined' } });
    expect(decide(trip, sent(decision).state, reply('ReservationReleased'))).toMatchObject({ action: 'reject' });
    decision = decide(trip, sent(decision).state, timeout, limits);
    decision = decide(trip, sent(decision).state, timeout, limits);
    const stopped = decide(trip, sent(decision).state, timeout, limits);
    expect(stopped).toEqual({ action: 'fail', state: expect.objectContaining({ status: 'FAILED', stepIndex: 0, attempt: 4, failureReason: 'declined' }) });
    expect(stopped.action === 'fail' && failedWhile(trip, stopped.state)).toBe('COMPENSATING');
  });

  it('a FAILED saga takes no reply and no timeout; resumed, it sends the awaited command again, from attempt 1, and carries on', () => {
    // Stopped undoing: resumed, the compensation goes out again; once done, the rest is undone and the saga rejected with the original reason.
    let decision = run(reply('InventoryReserved'), reply('PaymentAuthorized', { paymentId: 'P1' }), reply('PaymentCaptureFailed', { reason: 'declined' })).decision;
    for (let i = 0; i < 4; i += 1) decision = decide(trip, sent(decision).state, timeout, limits);
    expect(decision).toMatchObject({ action: 'fail', state: { status: 'FAILED', stepIndex: 1 } });
    const failed = (decision as Extract<SagaDecision<Trip>, { action: 'fail' }>).state;
    expect(decide(trip, failed, reply('PaymentVoided'))).toEqual({ action: 'ignore' });
    expect(decide(trip, failed, timeout)).toEqual({ action: 'ignore' });
    decision = decide(trip, failed, resume);
    expect(sent(decision)).toMatchObject({ type: 'VoidPayment', timeoutMs: 1000, state: { status: 'COMPENSATING', stepIndex: 1, attempt: 1, failureReason: 'declined' } });
    decision = decide(trip, sent(decision).state, reply('PaymentVoided'));
    expect(sent(decision).type).toBe('ReleaseReservation');
    expect(decide(trip, sent(decision).state, reply('ReservationReleased'))).toMatchObject({ action: 'reject', state: { failureReason: 'declined' } });

    // Stopped past the pivot: resumed, it confirms again and completes.
    let confirming = run(reply('InventoryReserved'), reply('PaymentAuthorized'), reply('PaymentCaptured')).decision;
    for (let i = 0; i < 4; i += 1) confirming = decide(trip, sent(confirming).state, timeout, limits);
    const stopped = (confirming as Extract<SagaDecision<Trip>, { action: 'fail' }>).state;
    expect(failedWhile(trip, stopped)).toBe('RUNNING');
    confirming = decide(trip, stopped, resume);
    expect(sent(confirming)).toMatchObject({ type: 'ConfirmReservation', state: { status: 'RUNNING', stepIndex: 3, attempt: 1, failureReason: null } });
    expect(decide(trip, sent(confirming).state, reply('ReservationConfirmed'))).toMatchObject({ action: 'complete' });
  });

  it('resuming an active saga sends its awaited command now, attempts from 1; a finished one is not resumed', () => {
    let decision = run(reply('InventoryReserved')).decision;
    decision = decide(trip, sent(decision).state, timeout, { maxAttempts: 4 });
    expect(sent(decision)).toMatchObject({ type: 'VoidPayment', state: { status: 'COMPENSATING', attempt: 1 } });
    decision = decide(trip, sent(decision).state, timeout, limits);
    expect(sent(decision).state.attempt).toBe(2);
    expect(sent(decide(trip, sent(decision).state, resume))).toMatchObject({ type: 'VoidPayment', state: { status: 'COMPENSATING', attempt: 1 } });
    const done = run(reply('InventoryReserved'), reply('PaymentAuthorized'), reply('PaymentCaptured'), reply('ReservationConfirmed')).decision;
    expect(decide(trip, (done as Extract<SagaDecision<Trip>, { action: 'complete' }>).state, resume)).toEqual({ action: 'ignore' });
  });

  it('ignores replies the current state does not expect (late, duplicated, reordered)', () => {
    const reserving = sent(begin(trip, { tripId: 'T1' })).state;
    expect(decide(trip, reserving, reply('PaymentAuthorized'))).toEqual({ action: 'ignore' });
    expect(decide(trip, reserving, reply('ReservationReleased'))).toEqual({ action: 'ignore' });
    const compensating = sent(decide(trip, sent(decide(trip, reserving, reply('InventoryReserved'))).state, reply('PaymentAuthorizationFailed'))).state;
    expect(decide(trip, compensating, reply('InventoryReserved'))).toEqual({ action: 'ignore' });
    expect(decide(trip, { ...compensating, status: 'REJECTED' }, reply('ReservationReleased'))).toEqual({ action: 'ignore' });
  });

  it('rejects definitions that cannot work', () => {
    const step = { name: 'a', invoke: tripCommands.reserve, succeeded: 'InventoryReserved' as const, timeoutMs: 1 };
    expect(() => defineSaga('x', TRIP_REPLIES, [], { completed: noop, rejected: noop })).toThrow('no steps');
    expect(() => defineSaga('x', TRIP_REPLIES, [step, step], { completed: noop, rejected: noop })).toThrow('twice');
    expect(() => defineSaga('x', TRIP_REPLIES, [{ ...step, retriable: true }, { ...step, name: 'b' }], { completed: noop, rejected: noop })).toThrow('follows a retriable');
    expect(() => defineSaga('x', TRIP_REPLIES, [{ ...step, timeoutMs: 0 }], { completed: noop, rejected: noop })).toThrow('positive timeout');
  });

  it('the replies a saga takes are those its steps and compensations wait for, each once', () => {
    expect(trip.replyTopic).toBe(TRIP_REPLIES);
    expect(replyTypesOf(trip)).toEqual([
      'InventoryReserved',
      'InventoryReservationFailed',
      'ReservationReleased',
      'PaymentAuthorized',
      'PaymentAuthorizationFailed',
      'PaymentVoided',
      'PaymentCaptured',
      'PaymentCaptureFailed',
      'ReservationConfirmed',
    ]);
    const twice = defineSaga<Trip>('twice', TRIP_REPLIES, [...reserveAndAuthorize({ reserveMs: 1, authorizeMs: 1 }), { name: 'again', invoke: tripCommands.reserve, succeeded: 'InventoryReserved', timeoutMs: 1 }], {
      completed: noop,
      rejected: noop,
    });
    expect(replyTypesOf(twice).filter((type) => type === 'InventoryReserved')).toHaveLength(1);
  });
});
