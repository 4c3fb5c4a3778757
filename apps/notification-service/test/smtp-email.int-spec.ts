import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE } from '@ecotrack/platform';
import { startInProcess, startMailpit, startTestIdentity, type MailpitMock, type TestIdentity, waitUntil } from '@ecotrack/testing';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { notificationConfig } from '../src/config';
import { service } from '../src/service';
import { smtpSettings } from './smtp-settings';

interface MailpitSummary {
  ID: string;
  MessageID: string;
}
interface MailpitMessage {
  ID: string;
  From: { Address: string };
  To: { Address: string }[];
  Subject: string;
  Text: string;
  HTML: string;
}
interface NotificationBody {
  id: string;
  status: string;
  provider: string | null;
  providerMessageId: string | null;
  failureReason: string | null;
  attempts: number;
}

/**
 * notification-service in process with EMAIL_PROVIDER=smtp against a private Mailpit, a real
 * SMTP server; what it received is read back over Mailpit's HTTP API. Mailpit's chaos API makes
 * it answer RCPT TO with a chosen SMTP code, so the 4xx/5xx mapping is checked against a server.
 */
describe('notification-service email over SMTP, received by Mailpit', () => {
  let mailpit: MailpitMock;
  let app: NestFastifyApplication;
  let db: DataSource;
  let identity: TestIdentity;
  let admin: string;
  const userIds: string[] = [];

  const api = <T>(path: string, init?: RequestInit) =>
    fetch(`${mailpit.apiUrl}${path}`, init).then(async (response) => {
      if (!response.ok) throw new Error(`Mailpit ${path}: HTTP ${response.status}`);
      return (path.endsWith('/raw') ? response.text() : response.json()) as Promise<T>;
    });
  const chaos = (recipientCode: number, probability: number) =>
    api('/api/v1/chaos', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Recipient: { ErrorCode: recipientCode, Probability: probability } }) });
  /** The message Mailpit holds with this Message-ID, or undefined. */
  const received = async (messageId: string) => {
    const list = await api<{ messages: MailpitSummary[] }>('/api/v1/messages?limit=200');
    const summary = list.messages.find((m) => m.MessageID === messageId);
    return summary && api<MailpitMessage>(`/api/v1/message/${summary.ID}`);
  };
  const send = async (name: string, to = 'ada@example.com') => {
    const userId = randomUUID();
    userIds.push(userId);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/notifications',
      payload: { userId, channel: 'email', template: 'welcome', data: { name }, to },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.statusCode).toBe(201);
    return response.json() as NotificationBody;
  };
  const read = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/notifications/${id}`, headers: { authorization: `Bearer ${admin}` } })).json() as NotificationBody;
  // Retries are due after a backoff: wait for the outcome with a deadline a busy machine cannot overrun.
  const settle = (id: string) => waitUntil(`notification ${id} to leave queued`, () => read(id), (row) => row.status !== 'queued', { timeoutMs: 20_000, intervalMs: 50 });

  beforeAll(async () => {
    mailpit = await startMailpit({ chaos: true });
    identity = await startTestIdentity(process.env.REDIS_URL!);
    const env = {
      ...smtpSettings(identity, mailpit),
      NOTIFICATION_MAX_ATTEMPTS: '5',
      NOTIFICATION_RETRY_BASE_MS: '1000',
      NOTIFICATION_RETRY_POLL_MS: '50',
      // Not about domain events: other suites' events on the shared topics must not reach this suite's providers.
      NOTIFICATION_EVENTS_ENABLED: 'false',
    };
    app = await startInProcess({ ...service, module: AppModule, config: notificationConfig(env), secrets: openBaoSecretSource }, process.env as Record<string, string>, env);
    db = app.get(DataSource);
    admin = await identity.token(['admin']);
  }, 15 * 60_000);
  afterAll(async () => {
    await db?.query(`DELETE FROM notifications WHERE user_id = ANY($1::uuid[])`, [userIds]);
    await app?.close();
    await identity?.close();
    await mailpit?.stop();
  });
  afterEach(() => chaos(451, 0));

  it('sent: Mailpit received it for the recipient, with the subject, the HTML part escaped, the text part literal, our header and Message-ID', async () => {
    const created = await send('<b>Ada</b> & "co"');
    expect(created).toMatchObject({ status: 'sent', provider: 'smtp', providerMessageId: `${created.id}@example.com`, failureReason: null, attempts: 1 });

    const message = await received(`${created.id}@example.com`);
    expect(message).toBeDefined();
    expect(message!.From.Address).toBe('noreply@example.com');
    expect(message!.To.map((to) => to.Address)).toEqual(['ada@example.com']);
    expect(message!.Subject).toBe('Welcome to EcoTrack');
    expect(message!.HTML).toContain('<p>Hello &lt;b&gt;Ada&lt;/b&gt; &amp; &quot;co&quot;, welcome to EcoTrack.</p>');
    expect(message!.HTML).not.toContain('<b>Ada</b>');
    expect(message!.Text.trim()).toBe('Hello <b>Ada</b> & "co", welcome to EcoTrack.');
    // The header as it crossed the wire. Field names are case-insensitive (RFC 5322 §1.2.2):
    // nodemailer writes this one as X-Ecotrack-Notification-ID.
    const raw = await api<string>(`/api/v1/message/${message!.ID}/raw`);
    expect(raw).toMatch(new RegExp(`^X-EcoTrack-Notification-Id: ${created.id}\r?$`, 'mi'));
  });

  it('a permanent refusal (RCPT TO answered 550): failed at once as rejected, never retried, nothing received', async () => {
    await chaos(550, 100);
    const created = await send('Bob');
    expect(created).toMatchObject({ status: 'failed', attempts: 1, failureReason: expect.stringMatching(/^rejected: smtp: RCPT TO: SMTP 550 /) });
    await chaos(451, 0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await read(created.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await received(`${created.id}@example.com`)).toBeUndefined();
  });

  it('a temporary refusal (RCPT TO answered 451): queued for a retry, which sends it once the server takes mail again', async () => {
    await chaos(451, 100);
    const created = await send('Cy');
    expect(created).toMatchObject({ status: 'queued', attempts: 1, failureReason: expect.stringMatching(/^unavailable: smtp: RCPT TO: SMTP 451 /) });
    await chaos(451, 0);
    expect(await settle(created.id)).toMatchObject({ status: 'sent', failureReason: null, providerMessageId: `${created.id}@example.com` });
    expect(await received(`${created.id}@example.com`)).toMatchObject({ Subject: 'Welcome to EcoTrack' });
  });

  it('Mailpit stopped: the notification goes to retry (unavailable), not failed; restarted on the same ports, the retry delivers it', async () => {
    const [smtpPort, httpPort] = [Number(new URL(mailpit.smtpUrl).port), Number(new URL(mailpit.apiUrl).port)];
    await mailpit.stop();
    const created = await send('Di');
    expect(created).toMatchObject({ status: 'queued', attempts: 1, failureReason: expect.stringMatching(/^unavailable: smtp: .*ECONNREFUSED/) });
    mailpit = await startMailpit({ smtpPort, httpPort, chaos: true });
    const settled = await settle(created.id);
    expect(settled).toMatchObject({ status: 'sent', failureReason: null });
    expect(settled.attempts).toBeGreaterThanOrEqual(2);
    expect(await received(`${created.id}@example.com`)).toMatchObject({ To: [{ Address: 'ada@example.com' }] });
  }, 30_000);

  it('the SendGrid event webhook is not configured in this deployment: 404 problem+json (not offered here; no 5xx)', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/notifications/webhooks/sendgrid', payload: [], headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });
});
