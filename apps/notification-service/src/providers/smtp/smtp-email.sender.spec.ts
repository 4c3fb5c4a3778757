import { smtpErrorKind, smtpTransportOptions } from './smtp-email.sender';

describe('SMTP email adapter', () => {
  it('maps SMTP replies by class: 5xx rejected (permanent), 4xx unavailable (try again later)', () => {
    expect(smtpErrorKind({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })).toBe('rejected');
    expect(smtpErrorKind({ code: 'EAUTH', responseCode: 535 })).toBe('rejected');
    expect(smtpErrorKind({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' })).toBe('unavailable');
    expect(smtpErrorKind({ code: 'EMESSAGE', responseCode: 421 })).toBe('unavailable');
  });

  it('without a reply: connection, DNS, TLS and timeouts are unavailable; a bad envelope, message or login is rejected', () => {
    for (const code of ['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', undefined]) expect(smtpErrorKind({ code })).toBe('unavailable');
    for (const code of ['EENVELOPE', 'EMESSAGE', 'EAUTH', 'EREQUIRETLS']) expect(smtpErrorKind({ code })).toBe('rejected');
  });

  it('requires STARTTLS for smtp:// off loopback; loopback (Mailpit, a sidecar relay) and smtps:// do not need it', () => {
    expect(smtpTransportOptions('smtp://user:pw@smtp.example.com:587')).toMatchObject({ requireTLS: true, disableFileAccess: true, disableUrlAccess: true });
    expect(smtpTransportOptions('smtp://10.0.0.5:25').requireTLS).toBe(true);
    for (const url of ['smtp://127.0.0.1:1025', 'smtp://localhost:1025', 'smtp://[::1]:1025', 'smtps://smtp.example.com:465']) {
      expect(smtpTransportOptions(url).requireTLS).toBe(false);
    }
  });
});
