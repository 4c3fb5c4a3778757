import { readStackEnv, SERVICE_PORTS, STATE_DIR } from '@ecotrack/testing';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/**
 * Email verification across the running stack, as a customer meets it: user-service makes the
 * token, notification-service mails it (SMTP to the stack's Mailpit, read back over its API). The
 * mail carries the token and nothing the customer chose; only after verification does a mail
 * greet them by name.
 */
const users = `http://127.0.0.1:${SERVICE_PORTS['user-service']}`;
const TOKEN = /code: ([A-Za-z0-9_-]{43})\b/;

interface Mail {
  ID: string;
  Subject: string;
  Text: string;
  HTML: string;
  To: { Address: string }[];
}

async function call(url: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

describe('email verification across the running stack (./ecotrack up, Mailpit)', () => {
  const mailpit = readStackEnv(path.join(STATE_DIR, 'providers.env')).MAILPIT_API_URL;

  /** Every mail Mailpit holds for `address` with this subject, oldest first; waits until there are `count`. */
  async function mails(address: string, subject: string, count: number): Promise<Mail[]> {
    for (let attempt = 0; attempt < 240; attempt++) {
      const search = (await fetch(`${mailpit}/api/v1/search?query=${encodeURIComponent(`to:"${address}"`)}`).then((r) => r.json())) as { messages: (Mail & { Created: string })[] };
      const found = search.messages.filter((m) => m.Subject === subject).sort((a, b) => a.Created.localeCompare(b.Created));
      if (found.length >= count) return Promise.all(found.map((m) => fetch(`${mailpit}/api/v1/message/${m.ID}`).then((r) => r.json() as Promise<Mail>)));
      await sleep(250);
    }
    throw new Error(`fewer than ${count} mails "${subject}" to ${address} within 60 s`);
  }

  it('register → a mail with a token and without the name → resend: another token → a wrong one 400, an expired one 400 → verify → the welcome greets by name', async () => {
    const run = randomBytes(4).toString('hex');
    const email = `verify-${run}@example.org`;
    const displayName = `Verifying Customer ${run}`;
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const registered = await call(`${users}/v1/users`, { body: { email, displayName, password } });
    expect(registered).toMatchObject({ status: 201, body: { email, displayName, emailVerified: false } });
    const accessToken = (await call(`${users}/v1/sessions`, { body: { email, password } })).body.accessToken as string;

    const [first] = await mails(email, 'Confirm your email address', 1);
    expect(first.To.map((to) => to.Address)).toEqual([email]);
    expect(`${first.Subject}\n${first.Text}\n${first.HTML}`).not.toContain(run); // no display name (nor anything else of the customer's)
    const firstToken = TOKEN.exec(first.Text)?.[1];
    expect(firstToken).toBeDefined();

    const resent = await call(`${users}/v1/users/me/email-verification`, { method: 'POST', token: accessToken });
    expect(resent.status).toBe(202);
    const secondToken = TOKEN.exec((await mails(email, 'Confirm your email address', 2))[1].Text)?.[1];
    expect(secondToken).toBeDefined();
    expect(secondToken).not.toBe(firstToken);

    const wrong = await call(`${users}/v1/users/email-verification`, { body: { token: randomBytes(32).toString('base64url') } });
    expect(wrong).toMatchObject({ status: 400, type: expect.stringContaining('application/problem+json'), body: { type: 'urn:ecotrack:problem:invalid-verification-token' } });

    // The first mail's day is over (its expiry moved into the past, as time would).
    const db = new Client({ connectionString: process.env.USER_SERVICE_DATABASE_URL });
    await db.connect();
    try {
      const expired = await db.query(`UPDATE email_verification_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        createHash('sha256').update(firstToken!).digest('hex'),
      ]);
      expect(expired.rowCount).toBe(1);
    } finally {
      await db.end();
    }
    expect(await call(`${users}/v1/users/email-verification`, { body: { token: firstToken } })).toMatchObject({
      status: 400,
      body: { type: 'urn:ecotrack:problem:verification-token-expired' },
    });
    expect((await call(`${users}/v1/users/me`, { token: accessToken })).body.emailVerified).toBe(false);

    expect((await call(`${users}/v1/users/email-verification`, { body: { token: secondToken } })).status).toBe(204);
    expect((await call(`${users}/v1/users/me`, { token: accessToken })).body.emailVerified).toBe(true);
    const [welcome] = await mails(email, 'Welcome to EcoTrack', 1);
    expect(welcome.Text.trim()).toBe(`Hello ${displayName}, welcome to EcoTrack.`);
    // Verified: nothing more to send.
    expect((await call(`${users}/v1/users/me/email-verification`, { method: 'POST', token: accessToken })).status).toBe(409);
  }, 120_000);
});
