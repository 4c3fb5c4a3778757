import { createEnvelope, messageSchemas } from '@ecotrack/events';
import { randomUUID } from 'node:crypto';
import { renderTemplate, validateTemplateData, type TemplateData, type TemplateName } from '../templates/templates';
import { NAMELESS_GREETING, notificationPlan, NOTIFYING_EVENTS, type NotifyingEvent } from './event-notifications';

const [userId, orderId, paymentId] = [randomUUID(), randomUUID(), randomUUID()];
const event = (type: NotifyingEvent['type'], payload: Record<string, unknown>) =>
  createEnvelope('test', { type, aggregateId: randomUUID(), payload } as Parameters<typeof createEnvelope>[1]) as NotifyingEvent;

describe('domain events → notification plans', () => {
  const cases: [NotifyingEvent['type'], Record<string, unknown>, TemplateName, Record<string, unknown>, string][] = [
    ['UserRegistered', { userId, email: 'ada@example.com', name: 'Ada' }, 'welcome', { name: 'Ada' }, 'Hello Ada, welcome to EcoTrack.'],
    ['UserRegistered', { userId, email: 'ada@example.com' }, 'welcome', { name: NAMELESS_GREETING }, 'Hello there, welcome to EcoTrack.'],
    ['OrderConfirmed', { orderId, userId, totalCents: 4250, currency: 'EUR' }, 'order-confirmed', { orderId, totalCents: 4250, currency: 'EUR' }, `Your order ${orderId} is confirmed: 42.50 EUR.`],
    ['OrderRejected', { orderId, userId, reason: 'out of stock' }, 'order-rejected', { orderId, reason: 'out of stock' }, `Your order ${orderId} could not be completed: out of stock.`],
    ['OrderCancelled', { orderId, userId }, 'order-cancelled', { orderId }, `Your order ${orderId} is cancelled.`],
    ['PaymentCaptured', { orderId, paymentId, userId, amountCents: 999, currency: 'USD' }, 'payment-receipt', { paymentId, amountCents: 999, currency: 'USD' }, `We received 9.99 USD (payment ${paymentId}).`],
    ['PaymentRefunded', { orderId, paymentId, userId, amountCents: 999, currency: 'USD' }, 'payment-refunded', { orderId, paymentId, amountCents: 999, currency: 'USD' }, `We refunded 9.99 USD for your order ${orderId} (payment ${paymentId}).`],
  ];

  it.each(cases)('%s %j → %s for the user, data the template accepts', (type, payload, template, data, text) => {
    const plan = notificationPlan(event(type, payload));
    expect(plan).toEqual({ userId, template, data });
    expect(validateTemplateData(plan.template, plan.data)).toEqual([]);
    expect(renderTemplate(plan.template, plan.data as TemplateData<TemplateName>).text).toBe(text);
  });

  it("covers each notifying event type, and the longest reason and name the events' schemas allow fit the templates", () => {
    expect(new Set(cases.map(([type]) => type))).toEqual(new Set(NOTIFYING_EVENTS.map((e) => e.type)));
    for (const type of NOTIFYING_EVENTS.map((e) => e.type)) expect(messageSchemas[type]).toBeDefined();
    const rejected = notificationPlan(event('OrderRejected', { orderId, userId, reason: 'r'.repeat(500) }));
    expect(validateTemplateData(rejected.template, rejected.data)).toEqual([]);
    const welcome = notificationPlan(event('UserRegistered', { userId, email: 'a@example.com', name: 'n'.repeat(200) }));
    expect(validateTemplateData(welcome.template, welcome.data)).toEqual([]);
  });
});
