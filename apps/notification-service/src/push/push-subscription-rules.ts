import type { FieldError } from '@ecotrack/platform';
import { fromBase64Url, p256PublicKeyProblem } from '../config';

export interface EndpointPolicy {
  /** http: is allowed only in development and test (a local push service); production wants https:. */
  allowHttp: boolean;
  /** Host names the endpoint may be on: exact, ".suffix" for subdomains, or "*" for any. */
  hosts: string[];
}

export function endpointPolicy(config: { NODE_ENV: string; PUSH_ENDPOINT_HOSTS: string[] }): EndpointPolicy {
  return { allowHttp: config.NODE_ENV === 'development' || config.NODE_ENV === 'test', hosts: config.PUSH_ENDPOINT_HOSTS };
}

function hostAllowed(host: string, hosts: string[]): boolean {
  return hosts.some((allowed) => allowed === '*' || (allowed.startsWith('.') ? host.endsWith(allowed) && host.length > allowed.length : host === allowed));
}

/**
 * The field errors of a push subscription, beyond its shape: the service will POST to the
 * endpoint, so it must be an absolute https URL (http only in development/test) without
 * credentials, on a push service host; the keys must be ones we can encrypt for (RFC 8291).
 */
export function pushSubscriptionErrors(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }, policy: EndpointPolicy): FieldError[] {
  const errors: FieldError[] = [];
  let url: URL | undefined;
  try {
    url = new URL(subscription.endpoint);
  } catch {
    errors.push({ field: 'endpoint', message: 'endpoint must be an absolute URL' });
  }
  if (url) {
    const schemes = policy.allowHttp ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(url.protocol)) errors.push({ field: 'endpoint', message: `endpoint must be an ${policy.allowHttp ? 'http(s)' : 'https'} URL` });
    else if (url.username || url.password) errors.push({ field: 'endpoint', message: 'endpoint must not carry credentials' });
    else if (!hostAllowed(url.hostname.toLowerCase(), policy.hosts)) errors.push({ field: 'endpoint', message: `endpoint host ${url.hostname} is not a known push service` });
  }
  const p256dhProblem = p256PublicKeyProblem(subscription.keys.p256dh);
  if (p256dhProblem) errors.push({ field: 'keys.p256dh', message: `keys.p256dh: ${p256dhProblem}` });
  const auth = fromBase64Url(subscription.keys.auth);
  if (!auth || auth.length !== 16) errors.push({ field: 'keys.auth', message: 'keys.auth must be a base64url auth secret of 16 bytes' });
  return errors;
}
