import { startPrism, VENDOR_APIS, type VendorMock } from '@ecotrack/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ChannelSendError } from '../src/providers/channel';
import { SendGridEmailSender } from '../src/providers/sendgrid/sendgrid-email.sender';

/** The SendGrid adapter (official SDK, client aimed at the mock) against Prism serving SendGrid's own mail v3 spec. */
describe('SendGridEmailSender against Prism with the SendGrid mail v3 spec', () => {
  let prism: VendorMock;
  const message = { to: 'ada@example.com', subject: 'Hi <you>', text: 'Hello', html: '<p>Hello</p>', notificationId: randomUUID() };
  const valid = { personalizations: [{ to: [{ email: 'ada@example.com' }] }], from: { email: 'noreply@example.com' }, subject: 'Hi', content: [{ type: 'text/plain', value: 'x' }] };
  const post = (body: unknown, headers: Record<string, string> = { authorization: 'Bearer SG.test' }) =>
    fetch(`${prism.baseUrl}/v3/mail/send`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    prism = await startPrism(path.join(VENDOR_APIS, 'sendgrid/tsg_mail_v3.json'));
  }, 5 * 60_000);
  afterAll(() => prism?.stop());

  it("the adapter's request validates against the spec: Prism answers 202", async () => {
    const sender = new SendGridEmailSender({ apiBase: prism.baseUrl, apiKey: 'SG.test', from: 'noreply@example.com' });
    // Prism's 202 example carries no X-Message-Id header, so there is no id to read here.
    await expect(sender.send(message)).resolves.toEqual({ providerMessageId: null });
  });

  it('the same body by hand is accepted (202): the negative cases below differ by one thing each', async () => {
    expect((await post(valid)).status).toBe(202);
  });

  it('is not a yes-man: a request without personalizations is refused (400)', async () => {
    const { personalizations: _omitted, ...withoutPersonalizations } = valid;
    expect((await post(withoutPersonalizations)).status).toBe(400);
  });

  it('is not a yes-man: a request without the bearer API key is refused (401)', async () => {
    expect((await post(valid, {})).status).toBe(401);
  });

  it('an unreachable provider is an unavailable ChannelSendError', async () => {
    const sender = new SendGridEmailSender({ apiBase: 'http://127.0.0.1:9', apiKey: 'SG.test', from: 'noreply@example.com', timeoutMs: 2_000 });
    const error = await sender.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ provider: 'sendgrid', kind: 'unavailable' });
  });
});
