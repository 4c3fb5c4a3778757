import { escapeHtml, renderTemplate, validateTemplateData } from './templates';

describe('notification templates', () => {
  it('escapes every interpolated value in the HTML part, keeps the text part literal', () => {
    const message = renderTemplate('welcome', { name: '<script>alert("x")</script> & co' });
    expect(message.html).toBe('<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co, welcome to EcoTrack.</p>');
    expect(message.text).toContain('<script>');
  });

  it('renders money from minor units', () => {
    const message = renderTemplate('payment-receipt', { paymentId: 'p1', amountCents: 1999, currency: 'EUR' });
    expect(message.text).toBe('We received 19.99 EUR (payment p1).');
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
