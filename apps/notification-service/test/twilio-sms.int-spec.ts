import { startPrism, VENDOR_APIS, type VendorMock } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ChannelSendError } from '../src/providers/channel';
import { TwilioSmsSender } from '../src/providers/twilio/twilio-sms.sender';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;

/** The Twilio adapter (fetch, form-encoded, basic auth) against Prism serving Twilio's own 2010-04-01 spec. */
describe('TwilioSmsSender against Prism with the Twilio API v2010 spec', () => {
  let prism: VendorMock;
  const messagesUrl = () => `${prism.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
  const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:token`).toString('base64')}`;
  const post = (form: Record<string, string>, headers: Record<string, string> = { authorization: basic }) =>
    fetch(messagesUrl(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  const sender = (apiBase = prism.baseUrl) => new TwilioSmsSender({ apiBase, accountSid: ACCOUNT_SID, authToken: 'token', from: '+15005550006', statusCallbackUrl: 'http://127.0.0.1:3005/cb', timeoutMs: 2_000 });

  beforeAll(async () => {
    prism = await startPrism(path.join(VENDOR_APIS, 'twilio/twilio_api_v2010.json'));
  }, 5 * 60_000);
  afterAll(() => prism?.stop());

  it("the adapter's POST Messages.json validates against the spec: 201 and the message sid is returned", async () => {
    await expect(sender().send({ to: '+15551234567', body: 'Hello', notificationId: randomUUID() })).resolves.toEqual({
      providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/),
    });
  });

  it('is not a yes-man: a message without To is refused (422, "required property \'To\'")', async () => {
    const response = await post({ From: '+15005550006', Body: 'Hello' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("required property 'To'");
  });

  it('is not a yes-man: a message without basic auth is refused (401)', async () => {
    expect((await post({ To: '+15551234567', From: '+15005550006', Body: 'Hello' }, {})).status).toBe(401);
  });

  it('an unreachable provider is an unavailable ChannelSendError', async () => {
    const error = await sender('http://127.0.0.1:9').send({ to: '+15551234567', body: 'Hello', notificationId: randomUUID() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ provider: 'twilio', kind: 'unavailable' });
  });
});
