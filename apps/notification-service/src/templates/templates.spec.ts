import { escapeHtml, isTemplateName, renderTemplate, validateTemplateData } from './templates';

describe('notification templates', () => {
  it('escapes every interpolated value in the HTML part, keeps the text part literal', () => {
    const message = renderTemplate('welcome', { name: '<script>alert("x")</script> & co' });
    expect(message.html).toBe('<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co, welcome to EcoTrack.</p>');
    expect(message.text).toContain('<script>');
  });

  it.each([
    ['EUR', '19.99 EUR'],
    ['JPY', '1999 JPY'],
    ['KWD', '1.999 KWD'],
  ])("renders money from minor units by the currency's ISO 4217 exponent: 1999 %s is %s", (currency, amount) => {
    const message = renderTemplate('payment-receipt', { paymentId: 'p1', amountCents: 1999, currency });
    expect(message.text).toBe(`We received ${amount} (payment p1).`);
    expect(message.html).toContain(amount);
  });

  it('refuses a currency nothing is priced in', () => {
    expect(validateTemplateData('payment-receipt', { paymentId: 'p1', amountCents: 1, currency: 'XAU' })).toEqual([
      { field: 'data.currency', message: 'data.currency must be an ISO 4217 code with a minor unit' },
    ]);
  });

  it('names missing, mistyped and unknown data fields', () => {
    expect(validateTemplateData('order-confirmed', { orderId: 'o1', totalCents: '10', colour: 'green' }).map((e) => e.field)).toEqual([
      'data.totalCents',
      'data.currency',
      'data.colour',
    ]);
    expect(validateTemplateData('welcome', { name: 'Ada' })).toEqual([]);
  });

  it('escapes single quotes too', () => {
    expect(escapeHtml("a'b")).toBe('a&#39;b');
  });
});

describe('templates for domain events', () => {
  it('order-cancelled and payment-refunded name the order, the amount from minor units, and escape their HTML', () => {
    expect(renderTemplate('order-cancelled', { orderId: '<o1>' })).toEqual({
      subject: 'Your order is cancelled',
      text: 'Your order <o1> is cancelled.',
      html: '<p>Your order <b>&lt;o1&gt;</b> is cancelled.</p>',
    });
    expect(renderTemplate('payment-refunded', { orderId: 'o1', paymentId: 'p1', amountCents: 505, currency: 'USD' }).text).toBe('We refunded 5.05 USD for your order o1 (payment p1).');
  });

  it("a rejection reason may be as long as the events allow (500), not longer", () => {
    expect(validateTemplateData('order-rejected', { orderId: 'o1', reason: 'r'.repeat(500) })).toEqual([]);
    expect(validateTemplateData('order-rejected', { orderId: 'o1', reason: 'r'.repeat(501) }).map((e) => e.field)).toEqual(['data.reason']);
    expect(validateTemplateData('welcome', { name: 'n'.repeat(201) }).map((e) => e.field)).toEqual(['data.name']);
  });

  it('knows its template names', () => {
    expect(isTemplateName('order-cancelled')).toBe(true);
    expect(isTemplateName('toString')).toBe(false);
  });
});
