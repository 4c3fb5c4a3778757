import { sendGridOutcome } from './sendgrid-outcome';

const event = (fields: Record<string, unknown>) => ({ sg_event_id: 'e1', event: 'processed', ...fields });

describe('SendGrid delivery reports', () => {
  it("delivered; bounce (and its blocked type) and dropped fail with SendGrid's reason", () => {
    expect(sendGridOutcome(event({ event: 'delivered' }))).toEqual({ status: 'delivered' });
    expect(sendGridOutcome(event({ event: 'bounce', type: 'bounce', reason: '550 5.1.1 unknown user' }))).toEqual({ status: 'failed', reason: 'bounce: 550 5.1.1 unknown user' });
    expect(sendGridOutcome(event({ event: 'bounce', type: 'blocked', reason: '554 blocked' }))).toEqual({ status: 'failed', reason: 'bounce (blocked): 554 blocked' });
    expect(sendGridOutcome(event({ event: 'dropped', reason: 'Bounced Address' }))).toEqual({ status: 'failed', reason: 'dropped: Bounced Address' });
  });

  it('processed, deferred and engagement events change nothing', () => {
    expect(['processed', 'deferred', 'open', 'click', 'spamreport', 'unsubscribe'].map((e) => sendGridOutcome(event({ event: e })))).toEqual(Array(6).fill(undefined));
  });
});
