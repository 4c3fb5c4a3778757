import { assertTransition, canTransition, ORDER_STATUSES, OrderStateConflictError, statusesBefore, type OrderStatus } from './order-status';

describe('order state transitions', () => {
  it.each([
    ['PENDING', 'CONFIRMED'],
    ['PENDING', 'REJECTED'],
    ['CONFIRMED', 'CANCELLING'],
    ['CANCELLING', 'CANCELLED'],
  ] as [OrderStatus, OrderStatus][])('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition('o1', from, to)).not.toThrow();
  });

  it('REJECTED and CANCELLED are final; a PENDING order (its saga still running) cannot be cancelled', () => {
    for (const from of ['REJECTED', 'CANCELLED'] as OrderStatus[]) {
      for (const to of ORDER_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
    expect(canTransition('PENDING', 'CANCELLED')).toBe(false);
    expect(canTransition('PENDING', 'CANCELLING')).toBe(false);
    expect(canTransition('CONFIRMED', 'CANCELLED')).toBe(false); // only through CANCELLING: refund and restock first
  });

  it('nothing goes back to PENDING, and no state transitions to itself', () => {
    for (const status of ORDER_STATUSES) {
      expect(canTransition(status, 'PENDING')).toBe(false);
      expect(canTransition(status, status)).toBe(false);
    }
  });

  it('a refused transition names the order and its current state', () => {
    let error: unknown;
    try {
      assertTransition('o1', 'CANCELLED', 'CANCELLED');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(OrderStateConflictError);
    expect(error).toMatchObject({ orderId: 'o1', status: 'CANCELLED', target: 'CANCELLED' });
  });

  it('an order is written into a state only from the states the table leads there from (transitionOrder\'s guard)', () => {
    expect(statusesBefore('CONFIRMED')).toEqual(['PENDING']);
    expect(statusesBefore('REJECTED')).toEqual(['PENDING']);
    expect(statusesBefore('CANCELLING')).toEqual(['CONFIRMED']);
    expect(statusesBefore('CANCELLED')).toEqual(['CANCELLING']);
    expect(statusesBefore('PENDING')).toEqual([]);
  });
});
