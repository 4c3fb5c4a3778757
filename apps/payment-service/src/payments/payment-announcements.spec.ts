import { Logger } from '@nestjs/common';
import { topics, type OutboxDraft, type OutboxWriter } from '@ecotrack/events';
import type { EntityManager } from 'typeorm';
import { announcementsFor, PaymentAnnouncements } from './payment-announcements';
import type { Payment, PaymentStatus } from './payment.entity';

const STATUSES: PaymentStatus[] = ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'FAILED'];

describe('what payment.events hears when a payment moves', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it.each([
    ['AUTHORIZED', 'CAPTURED', ['PaymentCaptured']],
    ['CAPTURED', 'REFUNDED', ['PaymentRefunded']],
    // A provider's events out of order: a refund implies the capture before it.
    ['AUTHORIZED', 'REFUNDED', ['PaymentCaptured', 'PaymentRefunded']],
  ] as const)('%s → %s announces %j', (from, to, announced) => {
    expect(announcementsFor(from, to)).toEqual(announced);
  });

  it('no other move announces anything (voids and failures move no money; staying put is no move)', () => {
    const announcing = new Set(['AUTHORIZED→CAPTURED', 'CAPTURED→REFUNDED', 'AUTHORIZED→REFUNDED']);
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        if (!announcing.has(`${from}→${to}`)) expect(announcementsFor(from, to)).toEqual([]);
      }
    }
  });

  const payment = (overrides: Partial<Payment> = {}): Payment => ({
    id: '33333333-3333-4333-8333-333333333333',
    orderId: '22222222-2222-4222-8222-222222222222',
    userId: '44444444-4444-4444-8444-444444444444',
    provider: 'stripe',
    providerReference: 'pi_1',
    authorizationReference: 'pi_1',
    captureReference: 'pi_1',
    refundReference: null,
    status: 'CAPTURED',
    failureReasonCiphertext: null,
    legacyFailureReason: null,
    paymentMethodCiphertext: null,
    amountCents: 1999,
    currency: 'EUR',
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  });

  function announcer() {
    const written: OutboxDraft[] = [];
    const outbox = { write: async (_manager: EntityManager, draft: OutboxDraft) => void written.push(draft) };
    return { announcements: new PaymentAnnouncements(outbox as unknown as OutboxWriter), written };
  }

  it('writes the facts to payment.events keyed by the payment, in the caller’s transaction', async () => {
    const { announcements, written } = announcer();
    await announcements.announce({} as EntityManager, payment(), 'AUTHORIZED', 'CAPTURED');
    expect(written).toEqual([
      {
        topic: topics.payment.events,
        type: 'PaymentCaptured',
        aggregateId: '33333333-3333-4333-8333-333333333333',
        payload: {
          orderId: '22222222-2222-4222-8222-222222222222',
          paymentId: '33333333-3333-4333-8333-333333333333',
          userId: '44444444-4444-4444-8444-444444444444',
          amountCents: 1999,
          currency: 'EUR',
        },
        correlationId: undefined,
        causationId: undefined,
      },
    ]);
  });

  it('a payment made over the admin API names no customer: nothing is announced', async () => {
    const { announcements, written } = announcer();
    await announcements.announce({} as EntityManager, payment({ userId: null }), 'AUTHORIZED', 'CAPTURED');
    expect(written).toEqual([]);
  });
});
