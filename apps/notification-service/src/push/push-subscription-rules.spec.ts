import { createECDH } from 'node:crypto';
import { DEFAULT_PUSH_ENDPOINT_HOSTS } from '../config';
import { endpointPolicy, pushSubscriptionErrors } from './push-subscription-rules';

const browser = createECDH('prime256v1');
browser.generateKeys();
const keys = { p256dh: browser.getPublicKey().toString('base64url'), auth: Buffer.alloc(16, 7).toString('base64url') };
const production = endpointPolicy({ NODE_ENV: 'production', PUSH_ENDPOINT_HOSTS: DEFAULT_PUSH_ENDPOINT_HOSTS });
const development = endpointPolicy({ NODE_ENV: 'development', PUSH_ENDPOINT_HOSTS: ['*'] });
const fields = (endpoint: string, policy = production, k = keys) => pushSubscriptionErrors({ endpoint, keys: k }, policy).map((e) => e.field);

describe('push subscription rules', () => {
  it("production: the browsers' push services over https", () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:APA91b',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAAA',
      'https://wns2-by3p.notify.windows.com/w/?token=BQYAAA',
      'https://web.push.apple.com/QGuQyavXutnMH',
    ]) {
      expect(fields(endpoint)).toEqual([]);
    }
  });

  it('production: no http, no other hosts (the service would POST there: no internal addresses), no credentials', () => {
    expect(fields('http://fcm.googleapis.com/fcm/send/abc')).toEqual(['endpoint']);
    expect(fields('https://127.0.0.1/push')).toEqual(['endpoint']);
    expect(fields('https://metadata.google.internal/computeMetadata/v1')).toEqual(['endpoint']);
    expect(fields('https://evil-fcm.googleapis.com.example.com/x')).toEqual(['endpoint']);
    expect(fields('https://notify.windows.com/x')).toEqual(['endpoint']);
    expect(fields('https://user:pw@fcm.googleapis.com/fcm/send/abc')).toEqual(['endpoint']);
    expect(fields('not a url')).toEqual(['endpoint']);
  });

  it('development and test: http too, and any host (a local push service)', () => {
    expect(fields('http://127.0.0.1:8080/push/abc', development)).toEqual([]);
    expect(fields('ftp://127.0.0.1/push/abc', development)).toEqual(['endpoint']);
  });

  it('keys: p256dh a P-256 point (65 bytes), auth 16 bytes, both base64url', () => {
    expect(fields('https://fcm.googleapis.com/x', production, { ...keys, p256dh: keys.p256dh.slice(0, 40) })).toEqual(['keys.p256dh']);
    expect(fields('https://fcm.googleapis.com/x', production, { ...keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') })).toEqual(['keys.p256dh']);
    expect(fields('https://fcm.googleapis.com/x', production, { ...keys, auth: Buffer.alloc(15).toString('base64url') })).toEqual(['keys.auth']);
    expect(fields('https://fcm.googleapis.com/x', production, { ...keys, auth: 'not base64url!' })).toEqual(['keys.auth']);
  });
});
