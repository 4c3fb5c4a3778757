import { decodeHeaders, Header, messageHeaders } from './headers';
import { assertTopicName, deadLetterTopic, topics } from './topics';

describe('message headers', () => {
  const envelope = { id: '5b0e1e56-54a4-4b5e-8f57-1c7f4c2c8a11', type: 'OrderPlaced', version: 1 };
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('carry the message identity and the trace context captured at write time', () => {
    expect(messageHeaders(envelope, { traceparent, tracestate: 'vendor=x' })).toEqual({
      'message-id': envelope.id,
      'message-type': 'OrderPlaced',
      'message-version': '1',
      traceparent,
      tracestate: 'vendor=x',
    });
  });

  it('without an active trace carry only the identity', () => {
    expect(Object.keys(messageHeaders(envelope))).toEqual([Header.messageId, Header.messageType, Header.messageVersion]);
  });

  it('cannot have their identity overridden by whatever the trace carrier holds', () => {
    expect(messageHeaders(envelope, { 'message-id': 'forged' })[Header.messageId]).toBe(envelope.id);
  });

  it('decode from what kafkajs delivers: Buffers, strings, repeated headers (first wins), missing values', () => {
    expect(
      decodeHeaders({
        'message-id': Buffer.from(envelope.id),
        'message-version': '1',
        traceparent: [Buffer.from(traceparent), Buffer.from('00-other')],
        empty: undefined,
      }),
    ).toEqual({ 'message-id': envelope.id, 'message-version': '1', traceparent });
    expect(decodeHeaders(undefined)).toEqual({});
  });

  it('round-trip: what is encoded is what a consumer decodes', () => {
    const encoded = messageHeaders(envelope, { traceparent });
    const onTheWire = Object.fromEntries(Object.entries(encoded).map(([name, value]) => [name, Buffer.from(value)]));
    expect(decodeHeaders(onTheWire)).toEqual(encoded);
  });
});

describe('topic names', () => {
  it('follow DESIGN.md: <service>.events, <service>.commands, order.saga.replies, <topic>.dlq', () => {
    expect(topics.product.commands).toBe('product.commands');
    expect(topics.order.sagaReplies).toBe('order.saga.replies');
    expect(deadLetterTopic(topics.payment.commands)).toBe('payment.commands.dlq');
  });

  it('are checked against Kafka rules before use', () => {
    expect(() => assertTopicName('order.events')).not.toThrow();
    expect(() => assertTopicName('order events')).toThrow('invalid Kafka topic name "order events"');
    expect(() => assertTopicName('x'.repeat(250))).toThrow(/invalid Kafka topic name/);
    expect(() => assertTopicName('..')).toThrow(/invalid Kafka topic name/);
  });
});
