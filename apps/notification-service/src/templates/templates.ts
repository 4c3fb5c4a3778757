import { formatMinorUnits, isPricedCurrency, type FieldError } from '@ecotrack/platform';

/** string and id: at most 200 characters; text (a reason from another service): at most 500; money: minor units. */
type FieldType = 'string' | 'text' | 'money' | 'id';

/** The data each template takes: every field required, nothing else allowed. */
const SCHEMAS = {
  welcome: { name: 'string' },
  'verify-email': { token: 'string', expiresAt: 'string' },
  'order-confirmed': { orderId: 'id', totalCents: 'money', currency: 'string' },
  'order-rejected': { orderId: 'id', reason: 'text' },
  'order-cancelled': { orderId: 'id' },
  'payment-receipt': { paymentId: 'id', amountCents: 'money', currency: 'string' },
  'payment-refunded': { orderId: 'id', paymentId: 'id', amountCents: 'money', currency: 'string' },
} as const satisfies Record<string, Record<string, FieldType>>;

export type TemplateName = keyof typeof SCHEMAS;
export const TEMPLATE_NAMES = Object.keys(SCHEMAS) as TemplateName[];

export function isTemplateName(name: string): name is TemplateName {
  return Object.prototype.hasOwnProperty.call(SCHEMAS, name);
}

type FieldValue<T extends FieldType> = T extends 'money' ? number : string;
export type TemplateData<N extends TemplateName> = { [K in keyof (typeof SCHEMAS)[N]]: FieldValue<(typeof SCHEMAS)[N][K] & FieldType> };

export interface RenderedMessage {
  subject: string;
  /** Plain text: the email's text part and the SMS body. */
  text: string;
  /** Every interpolated value HTML-escaped. */
  html: string;
}

const MAX_LENGTH: Record<Exclude<FieldType, 'money'>, number> = { string: 200, id: 200, text: 500 };

/** The field errors of `data` for this template, named `data.<field>`; empty when valid. */
export function validateTemplateData(template: TemplateName, data: Record<string, unknown>): FieldError[] {
  const schema: Record<string, FieldType> = SCHEMAS[template];
  const errors: FieldError[] = [];
  for (const [field, type] of Object.entries(schema)) {
    const value = data[field];
    const name = `data.${field}`;
    if (value === undefined || value === null) errors.push({ field: name, message: `${name} is required for template ${template}` });
    else if (type === 'money' && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100_000_000))
      errors.push({ field: name, message: `${name} must be a non-negative integer (minor units)` });
    else if (type !== 'money' && (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH[type]))
      errors.push({ field: name, message: `${name} must be a non-empty string of at most ${MAX_LENGTH[type]} characters` });
    else if (field === 'currency' && !isPricedCurrency(value)) errors.push({ field: name, message: `${name} must be an ISO 4217 code with a minor unit` });
  }
  for (const field of Object.keys(data)) {
    if (!(field in schema)) errors.push({ field: `data.${field}`, message: `data.${field} is not a field of template ${template}` });
  }
  return errors;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text to HTML text or attribute content. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Minor units as the currency writes them: 19.99 EUR, 1999 JPY, 1.999 KWD. */
const money = (amount: number, currency: string) => `${formatMinorUnits(amount, currency)} ${currency}`;

/** A tagged template for the HTML part: interpolated values are always escaped. */
function html(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, part, i) => out + part + (i < values.length ? escapeHtml(String(values[i])) : ''), '');
}

const RENDERERS: { [N in TemplateName]: (data: TemplateData<N>) => RenderedMessage } = {
  welcome: (d) => ({
    subject: 'Welcome to EcoTrack',
    text: `Hello ${d.name}, welcome to EcoTrack.`,
    html: html`<p>Hello ${d.name}, welcome to EcoTrack.</p>`,
  }),
  // No user-chosen text: the address is not verified yet, so nothing here may be a stranger's message.
  'verify-email': (d) => ({
    subject: 'Confirm your email address',
    text: `Confirm your EcoTrack email address with this code: ${d.token}\nIt is good until ${d.expiresAt}. If you did not create an EcoTrack account, ignore this mail.`,
    html: html`<p>Confirm your EcoTrack email address with this code: <b>${d.token}</b></p><p>It is good until ${d.expiresAt}. If you did not create an EcoTrack account, ignore this mail.</p>`,
  }),
  'order-confirmed': (d) => ({
    subject: 'Your order is confirmed',
    text: `Your order ${d.orderId} is confirmed: ${money(d.totalCents, d.currency)}.`,
    html: html`<p>Your order <b>${d.orderId}</b> is confirmed: ${money(d.totalCents, d.currency)}.</p>`,
  }),
  'order-rejected': (d) => ({
    subject: 'Your order could not be completed',
    text: `Your order ${d.orderId} could not be completed: ${d.reason}.`,
    html: html`<p>Your order <b>${d.orderId}</b> could not be completed: ${d.reason}.</p>`,
  }),
  'order-cancelled': (d) => ({
    subject: 'Your order is cancelled',
    text: `Your order ${d.orderId} is cancelled.`,
    html: html`<p>Your order <b>${d.orderId}</b> is cancelled.</p>`,
  }),
  'payment-receipt': (d) => ({
    subject: 'Payment receipt',
    text: `We received ${money(d.amountCents, d.currency)} (payment ${d.paymentId}).`,
    html: html`<p>We received ${money(d.amountCents, d.currency)} (payment ${d.paymentId}).</p>`,
  }),
  'payment-refunded': (d) => ({
    subject: 'Your refund',
    text: `We refunded ${money(d.amountCents, d.currency)} for your order ${d.orderId} (payment ${d.paymentId}).`,
    html: html`<p>We refunded ${money(d.amountCents, d.currency)} for your order <b>${d.orderId}</b> (payment ${d.paymentId}).</p>`,
  }),
};

/** Renders a template; `data` must have passed validateTemplateData. */
export function renderTemplate<N extends TemplateName>(template: N, data: TemplateData<N>): RenderedMessage {
  return RENDERERS[template](data);
}
