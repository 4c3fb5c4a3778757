import { publishGroups, type RelayRow } from './publish-groups';

const TRACE_A = '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-aaaaaaaaaaaaaaaa-01';
const TRACE_B = '00-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-bbbbbbbbbbbbbbbb-01';

function row(id: string, topic: string, key: string, traceparent?: string): RelayRow {
  return { id, topic, message_key: key, payload: { id }, headers: { 'message-id': id, ...(traceparent ? { traceparent } : {}) } };
}

describe('publishGroups', () => {
  it('sends consecutive rows of one trace together, split by topic, in publishing order', () => {
    const groups = publishGroups([row('1', 't1', 'k1', TRACE_A), row('2', 't2', 'k1', TRACE_A), row('3', 't1', 'k1', TRACE_A)]);
    expect(groups).toHaveLength(1);
    expect(groups[0].traceHeaders).toEqual({ traceparent: TRACE_A });
    expect(groups[0].batch.map(({ topic, messages }) => [topic, messages.map((m) => m.headers!['message-id'])])).toEqual([
      ['t1', ['1', '3']],
      ['t2', ['2']],
    ]);
  });

  it('starts a new send whenever the trace changes, so each message is sent in its own trace context', () => {
    const groups = publishGroups([row('1', 't', 'k1', TRACE_A), row('2', 't', 'k2', TRACE_B), row('3', 't', 'k1', TRACE_A), row('4', 't', 'k3'), row('5', 't', 'k4')]);
    expect(groups.map((group) => group.rows.map((r) => r.id))).toEqual([['1'], ['2'], ['3'], ['4', '5']]);
    expect(groups.map((group) => group.traceHeaders)).toEqual([{ traceparent: TRACE_A }, { traceparent: TRACE_B }, { traceparent: TRACE_A }, {}]);
  });

  it('produces Kafka records keyed by aggregate id, the JSON envelope as value, the stored headers', () => {
    const [group] = publishGroups([row('1', 't', 'order-7', TRACE_A)]);
    expect(group.batch[0].messages[0]).toEqual({ key: 'order-7', value: '{"id":"1"}', headers: { 'message-id': '1', traceparent: TRACE_A } });
  });

  it('has nothing to send for no rows', () => {
    expect(publishGroups([])).toEqual([]);
  });
});
