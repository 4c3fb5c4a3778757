import type { MailpitMock, TestIdentity } from '@ecotrack/testing';

/** notification-service in a test: tokens from the test identity, email over SMTP to Mailpit. */
export const smtpSettings = (identity: TestIdentity, mailpit: MailpitMock) => ({
  NODE_ENV: 'test',
  JWT_JWKS_URL: identity.jwksUrl,
  EMAIL_PROVIDER: 'smtp',
  SMTP_URL: mailpit.smtpUrl,
  EMAIL_FROM: 'noreply@example.com',
});
