import type { PaymentStatus } from '../payments/payment.entity';
import { FORWARD, reconcile, type ProviderEvent } from './provider-events';

const STATUSES: PaymentStatus[] = ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'];
const event = (target: PaymentStatus | undefined, extra: Partial<ProviderEvent> = {}): ProviderEvent => ({
  provider: 'stripe',
  eventId: 'evt_1',
  eventType: 'test.event',
  target,
  references: ['pi_1'],
  ...extra,
});

describe('the forward-only transition table', () => {
  it('never moves anything back to AUTHORIZED, never leaves VOIDED, REFUNDED or FAILED, and CAPTURED only to REFUNDED', () => {
    for (const from of STATUSES) expect(FORWARD[from]).not.toContain('AUTHORIZED');
    expect(FORWARD.VOIDED).toEqual([]);
    expect(FORWARD.REFUNDED).toEqual([]);
    expect(FORWARD.FAILED).toEqual([]);
    expect(FORWARD.CAPTURED).toEqual(['REFUNDED']);
  });

  it('ends in the same state whatever order two events arrive in', () => {
    const apply = (status: PaymentStatus, target: PaymentStatus) => (reconcile(status, 1999, event(target)).outcome === 'applied' ? target : status);
    for (const [a, b] of [
      ['CAPTURED', 'REFUNDED'],
      ['AUTHORIZED', 'CAPTURED'],
      ['AUTHORIZED', 'REFUNDED'],
    ] as [PaymentStatus, PaymentStatus][]) {
      expect(apply(apply('AUTHORIZED', a), b)).toBe(apply(apply('AUTHORIZED', b), a));
    }
  });
});

describe('reconcile', () => {
  it.each<[PaymentStatus, PaymentStatus, string]>([
    ['AUTHORIZED', 'CAPTURED', 'applied'],
    ['AUTHORIZED', 'VOIDED', 'applied'],
    ['AUTHORIZED', 'FAILED', 'applied'],
    ['AUTHORIZED', 'REFUNDED', 'applied'],
    ['CAPTURED', 'REFUNDED', 'applied'],
    ['CAPTURED', 'CAPTURED', 'unchanged'],
    ['AUTHORIZED', 'AUTHORIZED', 'unchanged'],
    ['CAPTURED', 'AUTHORIZED', 'ignored'],
    ['CAPTURED', 'VOIDED', 'ignored'],
    ['CAPTURED', 'FAILED', 'ignored'],
    ['REFUNDED', 'CAPTURED', 'ignored'],
    ['VOIDED', 'CAPTURED', 'ignored'],
    ['FAILED', 'AUTHORIZED', 'ignored'],
  ])('%s + event saying %s → %s', (from, to, outcome) => {
    expect(reconcile(from, 1999, event(to)).outcome).toBe(outcome);
  });

  it('does not mark a payment REFUNDED for a partial refund', () => {
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { full: false } }))).toEqual({ outcome: 'ignored', reason: 'a partial refund' });
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { amountCents: 999 } })).outcome).toBe('ignored');
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { amountCents: 1999 } })).outcome).toBe('applied');
    expect(reconcile('CAPTURED', 1999, event('REFUNDED', { refund: { full: true } })).outcome).toBe('applied');
  });
});
