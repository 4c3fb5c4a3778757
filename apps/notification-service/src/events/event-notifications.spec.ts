import { createEnvelope, messageSchemas } from '@ecotrack/events';
import { randomUUID } from 'node:crypto';
import { renderTemplate, validateTemplateData, type TemplateData, type TemplateName } from '../templates/templates';
import { addressOf, mailTime, NAMELESS_GREETING, notificationPlan, NOTIFYING_EVENTS, type NotifyingEvent } from './event-notifications';

const [userId, orderId, paymentId] = [randomUUID(), randomUUID(), randomUUID()];
const sealed = (what: string) => `vault:v1:${Buffer.from(what).toString('base64')}`;
const event = (type: NotifyingEvent['type'], payload: Record<string, unknown>) =>
  createEnvelope('test', { type, aggregateId: randomUUID(), payload } as Parameters<typeof createEnvelope>[1]) as NotifyingEvent;
/** An event as an older producer wrote it (createEnvelope always writes the latest version). */
const v1 = (type: 'UserRegistered', payload: Record<string, unknown>) => ({ ...event('OrderCancelled', { orderId, userId }), type, version: 1, payload }) as unknown as NotifyingEvent;

describe('domain events → notification plans', () => {
  const expiresAt = '2026-11-27T10:00:00.000Z';
  const cases: [string, NotifyingEvent, TemplateName, Record<string, unknown>, Record<string, string> | undefined][] = [
    ['EmailVerificationRequested', event('EmailVerificationRequested', { userId, email: sealed('a@x.org'), token: sealed('tok'), expiresAt }), 'verify-email', { expiresAt: '2026-11-27 10:00 UTC' }, { token: sealed('tok') }],
    ['EmailVerified with a name', event('EmailVerified', { userId, name: sealed('Ada') }), 'welcome', {}, { name: sealed('Ada') }],
    ['EmailVerified without one', event('EmailVerified', { userId }), 'welcome', { name: NAMELESS_GREETING }, undefined],
    ['UserRegistered v1 (name in clear, address unverified)', v1('UserRegistered', { userId, email: 'ada@example.com', name: 'Ada' }), 'welcome', { name: NAMELESS_GREETING }, undefined],
    ['OrderConfirmed', event('OrderConfirmed', { orderId, userId, totalCents: 4250, currency: 'EUR' }), 'order-confirmed', { orderId, totalCents: 4250, currency: 'EUR' }, undefined],
    ['OrderRejected', event('OrderRejected', { orderId, userId, reason: 'out of stock' }), 'order-rejected', { orderId, reason: 'out of stock' }, undefined],
    ['OrderCancelled', event('OrderCancelled', { orderId, userId }), 'order-cancelled', { orderId }, undefined],
    ['PaymentCaptured', event('PaymentCaptured', { orderId, paymentId, userId, amountCents: 999, currency: 'USD' }), 'payment-receipt', { paymentId, amountCents: 999, currency: 'USD' }, undefined],
    ['PaymentRefunded', event('PaymentRefunded', { orderId, paymentId, userId, amountCents: 999, currency: 'USD' }), 'payment-refunded', { orderId, paymentId, amountCents: 999, currency: 'USD' }, undefined],
  ];

  it.each(cases)('%s → its template for the user, with the data (and sealed fields) it needs', (_name, e, template, data, sealedFields) => {
    const plan = notificationPlan(e);
    expect(plan).toEqual({ userId, template, data, ...(sealedFields ? { sealed: sealedFields } : {}) });
    // What the dispatcher renders once the sealed fields are opened.
    const opened = { ...data, ...Object.fromEntries(Object.keys(sealedFields ?? {}).map((field) => [field, `${field}-in-clear`])) };
    expect(validateTemplateData(plan!.template, opened)).toEqual([]);
    expect(renderTemplate(plan!.template, opened as TemplateData<TemplateName>).text.length).toBeGreaterThan(0);
  });

  it('UserRegistered v2 asks for no mail (the verification mail has its own event); it and the verification request tell the address, sealed', () => {
    const registered = event('UserRegistered', { userId, email: sealed('ada@example.com') });
    expect(registered.version).toBe(2);
    expect(notificationPlan(registered)).toBeUndefined();
    expect(addressOf(registered)).toEqual({ sealed: sealed('ada@example.com') });
    expect(addressOf(v1('UserRegistered', { userId, email: 'ada@example.com' }))).toEqual({ clear: 'ada@example.com' });
    expect(addressOf(event('EmailVerificationRequested', { userId, email: sealed('b@x.org'), token: sealed('t'), expiresAt: new Date().toISOString() }))).toEqual({ sealed: sealed('b@x.org') });
    expect(addressOf(event('EmailVerified', { userId }))).toBeUndefined();
  });

  it('the verification mail carries the token and the expiry, and nothing the user chose', () => {
    const message = renderTemplate('verify-email', { token: 'q3v1Xh0YyC2m8Zb7kqP4b1m0c6Wf2d9r5tG8sN1aL0E', expiresAt: mailTime('2026-11-27T10:00:59.999Z') });
    expect(message.subject).toBe('Confirm your email address');
    expect(message.text).toContain('q3v1Xh0YyC2m8Zb7kqP4b1m0c6Wf2d9r5tG8sN1aL0E');
    expect(message.text).toContain('2026-11-27 10:00 UTC');
    expect(message.html).toContain('<b>q3v1Xh0YyC2m8Zb7kqP4b1m0c6Wf2d9r5tG8sN1aL0E</b>');
  });

  it("covers each notifying event type, and the longest reason and name the events' schemas allow fit the templates", () => {
    expect(new Set(cases.map(([, e]) => e.type))).toEqual(new Set(NOTIFYING_EVENTS.map((e) => e.type)));
    for (const type of NOTIFYING_EVENTS.map((e) => e.type)) expect(messageSchemas[type]).toBeDefined();
    const rejected = notificationPlan(event('OrderRejected', { orderId, userId, reason: 'r'.repeat(500) }));
    expect(validateTemplateData(rejected!.template, rejected!.data)).toEqual([]);
    // A display name is at most 120 characters at registration (and 200 in a v1 event).
    expect(validateTemplateData('welcome', { name: 'n'.repeat(200) })).toEqual([]);
  });
});
