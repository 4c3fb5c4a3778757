import { twilioOutcome } from './twilio-outcome';

describe('Twilio delivery reports', () => {
  it('delivered, failed/undelivered with the error code; queued/sending/sent are progress only', () => {
    expect(twilioOutcome('delivered')).toEqual({ status: 'delivered' });
    expect(twilioOutcome('undelivered', '30003')).toEqual({ status: 'failed', reason: 'undelivered: error 30003' });
    expect(twilioOutcome('failed')).toEqual({ status: 'failed', reason: 'failed' });
    expect(['queued', 'sending', 'sent', 'accepted'].map((s) => twilioOutcome(s))).toEqual([undefined, undefined, undefined, undefined]);
  });
});
