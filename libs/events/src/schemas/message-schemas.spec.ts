import { randomUUID } from 'node:crypto';
import { samplePayloads } from '../../test/samples';
import { isMessageType, latestVersionOf, messageSchemas, type MessageType } from './message-schemas';
import { createEnvelope, MessageValidationError, parseMessageValue, validateEnvelope } from './validation';

function envelope(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    type: 'ReserveInventory',
    version: 1,
    source: 'order-service',
    aggregateId: randomUUID(),
    occurredAt: new Date().toISOString(),
    correlationId: randomUUID(),
    payload: samplePayloads.ReserveInventory(),
    ...overrides,
  };
}

const errorOf = (input: unknown) => {
  const result = validateEnvelope(input);
  if (result.ok) throw new Error('expected a validation failure');
  return result;
};

describe('message schemas', () => {
  it('has a valid sample for every registered type, and no sample for a type it does not know', () => {
    expect(Object.keys(samplePayloads).sort()).toEqual(Object.keys(messageSchemas).sort());
    for (const type of Object.keys(messageSchemas) as MessageType[]) {
      const result = validateEnvelope(envelope({ type, version: latestVersionOf(type), payload: samplePayloads[type]() }));
      expect({ type, ok: result.ok, error: result.ok ? undefined : result.error }).toEqual({ type, ok: true, error: undefined });
    }
  });

  it('accepts a valid envelope and returns the parsed payload with unknown fields stripped (compatible additions)', () => {
    const input = envelope({ payload: { ...samplePayloads.ReserveInventory(), addedLater: 'ignored' } });
    const result = validateEnvelope(input);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.envelope.type).toBe('ReserveInventory');
    expect(result.envelope.payload).not.toHaveProperty('addedLater');
    if (result.envelope.type === 'ReserveInventory') expect(result.envelope.payload.lines).toHaveLength(1);
  });

  it('rejects an unknown type, naming it', () => {
    expect(errorOf(envelope({ type: 'OrderTeleported' }))).toEqual({ ok: false, error: 'unknown message type "OrderTeleported"' });
  });

  it('rejects a version the registry does not have, naming the known ones', () => {
    expect(errorOf(envelope({ version: 7 }))).toEqual({
      ok: false,
      type: 'ReserveInventory',
      error: 'unknown version 7 of ReserveInventory (known: 1)',
    });
  });

  it('rejects a bad payload with the path of each bad field', () => {
    const payload = { reservationId: 'not-a-uuid', orderId: randomUUID(), lines: [{ productId: randomUUID(), quantity: 0 }] };
    const { error, type } = errorOf(envelope({ payload }));
    expect(type).toBe('ReserveInventory');
    expect(error).toMatch(/^invalid ReserveInventory v1: /);
    expect(error).toContain('payload.reservationId: Invalid uuid');
    expect(error).toContain('payload.lines.0.quantity: Number must be greater than or equal to 1');
  });

  it('keeps money in integer cents: a fractional amount is invalid', () => {
    const payload = { ...samplePayloads.OrderConfirmed(), totalCents: 19.99 };
    expect(errorOf(envelope({ type: 'OrderConfirmed', payload })).error).toContain('payload.totalCents: Expected integer, received float');
  });

  it('requires a payment method token for stripe, not for paypal', () => {
    const { paymentMethodToken: _token, ...withoutToken } = samplePayloads.AuthorizePayment();
    expect(errorOf(envelope({ type: 'AuthorizePayment', payload: withoutToken })).error).toContain('payload.paymentMethodToken: paymentMethodToken is required for stripe');
    expect(validateEnvelope(envelope({ type: 'AuthorizePayment', payload: { ...withoutToken, provider: 'paypal' } })).ok).toBe(true);
  });

  it('rejects a broken envelope before looking at the payload', () => {
    expect(errorOf(envelope({ id: '42', aggregateId: undefined })).error).toBe('invalid envelope: id: Invalid uuid; aggregateId: Required');
    expect(errorOf('just a string').error).toBe('invalid envelope: (value): Expected object, received string');
  });

  it('parses raw Kafka values: empty and non-JSON values are errors, not exceptions', () => {
    expect(parseMessageValue(null)).toEqual({ ok: false, error: 'empty message value' });
    expect(parseMessageValue(Buffer.from('{"id": '))).toMatchObject({ ok: false, error: expect.stringMatching(/^value is not JSON: /) });
    expect(parseMessageValue(Buffer.from(JSON.stringify(envelope()))).ok).toBe(true);
  });

  it('personal fields of user.events travel sealed: a v2 UserRegistered or a verification request with an address or token in clear is invalid', () => {
    const userId = randomUUID();
    const inClear = (type: 'UserRegistered' | 'EmailVerificationRequested' | 'EmailVerified', payload: Record<string, unknown>) =>
      errorOf(envelope({ type, version: latestVersionOf(type), payload })).error;
    expect(inClear('UserRegistered', { userId, email: 'ada@example.com' })).toContain('payload.email: expected a transit ciphertext');
    expect(inClear('EmailVerificationRequested', { ...samplePayloads.EmailVerificationRequested(), token: 'Zm9vYmFy' })).toContain('payload.token: expected a transit ciphertext');
    expect(inClear('EmailVerified', { userId, name: 'Ada Lovelace' })).toContain('payload.name: expected a transit ciphertext');
    // v1 (address and name in clear) stays readable for what old producers left on the topic.
    expect(validateEnvelope(envelope({ type: 'UserRegistered', version: 1, payload: { userId, email: 'ada@example.com', name: 'Ada' } })).ok).toBe(true);
    expect(latestVersionOf('UserRegistered')).toBe(2);
  });

  it('tells registered types from other strings (including inherited property names)', () => {
    expect(isMessageType('OrderPlaced')).toBe(true);
    expect(isMessageType('toString')).toBe(false);
  });
});

describe('createEnvelope (producing side)', () => {
  it('fills id, version (latest), source and occurredAt, and keeps correlation and causation', () => {
    const correlationId = randomUUID();
    const causationId = randomUUID();
    const aggregateId = randomUUID();
    const created = createEnvelope('product-service', {
      type: 'StockChanged',
      aggregateId,
      correlationId,
      causationId,
      payload: samplePayloads.StockChanged(),
    });
    expect(created).toMatchObject({ type: 'StockChanged', version: 1, source: 'product-service', aggregateId, correlationId, causationId });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(created.occurredAt)).not.toBeNaN();
  });

  it('throws MessageValidationError for an invalid payload: a bad message never reaches the outbox', () => {
    const attempt = () =>
      createEnvelope('order-service', { type: 'OrderRejected', aggregateId: randomUUID(), payload: { orderId: randomUUID(), userId: randomUUID(), reason: '' } });
    expect(attempt).toThrow(MessageValidationError);
    expect(attempt).toThrow('invalid OrderRejected v1: payload.reason: String must contain at least 1 character(s)');
  });

  it('throws for an aggregate id that is not a uuid (it becomes the Kafka key)', () => {
    expect(() => createEnvelope('order-service', { type: 'OrderCancelled', aggregateId: 'order-1', payload: samplePayloads.OrderCancelled() })).toThrow(
      'invalid envelope: aggregateId: Invalid uuid',
    );
  });
});
