import { createVerify, X509Certificate } from 'node:crypto';
import { WebhookCertificateUnavailableError, WebhookRejectedError, type WebhookRejection } from '../../webhooks/webhook.errors';
import { crc32 } from './crc32';

/** The only algorithm PayPal signs webhooks with. */
export const PAYPAL_AUTH_ALGO = 'SHA256withRSA';
/** PayPal serves webhook certificates under this path (e.g. /v1/notifications/certs/CERT-360caa42-...). */
export const PAYPAL_CERT_PATH = '/v1/notifications/certs/';
/** A certificate chain is a few kB; anything much larger is not one. */
const MAX_CERT_BYTES = 64 * 1024;
/** An RFC 3339 date-time with a zone (without one, Date.parse would read it in local time). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** The five headers PayPal sends with every delivery. */
export interface PayPalTransmission {
  transmissionId?: string;
  transmissionTime?: string;
  transmissionSig?: string;
  certUrl?: string;
  authAlgo?: string;
}

const HEADERS: Record<keyof PayPalTransmission, string> = {
  transmissionId: 'paypal-transmission-id',
  transmissionTime: 'paypal-transmission-time',
  transmissionSig: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  authAlgo: 'paypal-auth-algo',
};

/** Picks the transmission headers out of a (lower-cased) header map; repeated headers count as absent. */
export function paypalTransmission(headers: Record<string, string | string[] | undefined>): PayPalTransmission {
  const transmission: PayPalTransmission = {};
  for (const [field, name] of Object.entries(HEADERS) as [keyof PayPalTransmission, string][]) {
    const value = headers[name];
    if (typeof value === 'string' && value.trim() !== '') transmission[field] = value.trim();
  }
  return transmission;
}

/** What PayPal signs: `transmissionId|transmissionTime|webhookId|crc32(body)` (the CRC as an unsigned decimal). */
export function paypalSignedString(transmissionId: string, transmissionTime: string, webhookId: string, rawBody: Uint8Array): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody)}`;
}

/** Loads the PEM at an already-allowed URL. */
export type CertificateFetcher = (url: URL) => Promise<string>;

export interface PayPalVerifierOptions {
  /** Our webhook subscription's id: an event signed for another subscription does not verify. */
  webhookId: string;
  /** How far paypal-transmission-time may be from our clock, either way. */
  toleranceSeconds: number;
  /** host or host:port names (lower case) that certificates may come from. */
  certHosts: readonly string[];
  /** Accept http:// certificate URLs (tests with a local server only). */
  allowHttp?: boolean;
  fetchCertificate?: CertificateFetcher;
  /** Certificates kept, by URL (least recently used goes first). */
  cacheSize?: number;
  now?: () => number;
}

const reject = (reason: WebhookRejection, message: string) => new WebhookRejectedError('paypal', reason, message);

/**
 * Verifies PayPal webhook signatures offline, as PayPal documents it, without asking PayPal's
 * verify-webhook-signature API (a call that a mock, or a man in the middle, would answer "SUCCESS" to):
 * the certificate comes only from an allowed PayPal host over https, must be within its validity
 * dates, and its RSA key must verify SHA256withRSA over the signed string. A transmission time
 * outside the tolerance is refused, so a captured delivery cannot be replayed later.
 */
export class PayPalSignatureVerifier {
  private readonly certificates = new Map<string, Promise<X509Certificate>>();
  private readonly hosts: ReadonlySet<string>;
  private readonly fetchCertificate: CertificateFetcher;
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(private readonly options: PayPalVerifierOptions) {
    if (!options.webhookId) throw new Error('a PayPal webhook id is required');
    if (!(options.toleranceSeconds > 0)) throw new Error('the webhook tolerance must be positive');
    this.hosts = new Set(options.certHosts.map((host) => host.toLowerCase()));
    this.fetchCertificate = options.fetchCertificate ?? ((url) => fetchCertificatePem(url));
    this.cacheSize = Math.max(1, options.cacheSize ?? 16);
    this.now = options.now ?? Date.now;
  }

  async verify(rawBody: Uint8Array | undefined, transmission: PayPalTransmission): Promise<void> {
    const { transmissionId, transmissionTime, transmissionSig, certUrl, authAlgo } = transmission;
    if (!transmissionId || !transmissionTime || !transmissionSig || !certUrl || !authAlgo) {
      const missing = (Object.keys(HEADERS) as (keyof PayPalTransmission)[]).filter((field) => !transmission[field]).map((field) => HEADERS[field]);
      throw reject('missing-signature', `missing ${missing.join(', ')}`);
    }
    if (authAlgo !== PAYPAL_AUTH_ALGO) throw reject('unsupported-algorithm', `paypal-auth-algo must be ${PAYPAL_AUTH_ALGO}`);
    this.checkTime(transmissionTime);
    const url = this.allowedCertificateUrl(certUrl);
    if (!rawBody?.length) throw reject('malformed-event', 'the body is empty; a PayPal event is a JSON object');

    const certificate = await this.certificate(url);
    const now = this.now();
    if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) {
      throw reject('certificate-invalid', 'the signing certificate is expired or not yet valid');
    }
    const signed = paypalSignedString(transmissionId, transmissionTime, this.options.webhookId, rawBody);
    let valid = false;
    try {
      valid = createVerify('RSA-SHA256').update(signed, 'utf8').verify(certificate.publicKey, Buffer.from(transmissionSig, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) throw reject('invalid-signature', 'paypal-transmission-sig does not match the body, the transmission headers and this webhook');
  }

  private checkTime(transmissionTime: string): void {
    const sent = RFC3339.test(transmissionTime) ? Date.parse(transmissionTime) : NaN;
    if (Number.isNaN(sent)) throw reject('stale-timestamp', 'paypal-transmission-time is not an RFC 3339 date-time');
    if (Math.abs(this.now() - sent) > this.options.toleranceSeconds * 1000) {
      throw reject('stale-timestamp', `paypal-transmission-time is more than ${this.options.toleranceSeconds} s away from now`);
    }
  }

  /** The certificate URL, if it is one we may fetch; the caller's URL is never fetched otherwise. */
  private allowedCertificateUrl(certUrl: string): URL {
    let url: URL;
    try {
      url = new URL(certUrl);
    } catch {
      throw reject('certificate-url-not-allowed', 'paypal-cert-url is not a URL');
    }
    const schemeAllowed = url.protocol === 'https:' || (url.protocol === 'http:' && this.options.allowHttp === true);
    if (!schemeAllowed) throw reject('certificate-url-not-allowed', 'paypal-cert-url must be https');
    if (url.username || url.password || !this.hosts.has(url.host.toLowerCase())) {
      throw reject('certificate-url-not-allowed', 'paypal-cert-url is not on an allowed PayPal certificate host');
    }
    if (!url.pathname.startsWith(PAYPAL_CERT_PATH) || url.search || url.hash) {
      throw reject('certificate-url-not-allowed', `paypal-cert-url must be a certificate under ${PAYPAL_CERT_PATH}`);
    }
    return url;
  }

  /** Cached by URL, least recently used evicted first; a failed load is not kept. Concurrent loads share one fetch. */
  private certificate(url: URL): Promise<X509Certificate> {
    const key = url.href;
    const cached = this.certificates.get(key);
    if (cached) {
      this.certificates.delete(key);
      this.certificates.set(key, cached);
      return cached;
    }
    const loading = this.load(url);
    this.certificates.set(key, loading);
    while (this.certificates.size > this.cacheSize) this.certificates.delete(this.certificates.keys().next().value as string);
    loading.catch(() => {
      if (this.certificates.get(key) === loading) this.certificates.delete(key);
    });
    return loading;
  }

  private async load(url: URL): Promise<X509Certificate> {
    const pem = await this.fetchCertificate(url);
    let certificate: X509Certificate;
    try {
      // A chain parses as its first certificate: the leaf that signed.
      certificate = new X509Certificate(pem);
    } catch {
      throw reject('certificate-invalid', 'paypal-cert-url did not serve an X.509 certificate');
    }
    if (certificate.publicKey.asymmetricKeyType !== 'rsa') throw reject('certificate-invalid', 'the signing certificate has no RSA key');
    return certificate;
  }
}

/** How long fetching a PayPal signing certificate may take. */
export const PAYPAL_CERT_FETCH_TIMEOUT_MS = 5_000;

/**
 * GET the certificate: no redirects (they could leave the allowed hosts), a timeout and a size cap.
 * A 4xx means the URL names no certificate (the delivery cannot be verified: 400);
 * a network error, timeout or 5xx is ours to retry (503).
 */
export async function fetchCertificatePem(url: URL, timeoutMs = PAYPAL_CERT_FETCH_TIMEOUT_MS): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/x-pem-file, text/plain, */*' } });
  } catch (error) {
    throw new WebhookCertificateUnavailableError(`fetching the PayPal signing certificate failed: ${(error as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 400 && response.status < 500) throw reject('certificate-invalid', `paypal-cert-url answered HTTP ${response.status}`);
    throw new WebhookCertificateUnavailableError(`fetching the PayPal signing certificate failed: HTTP ${response.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read().catch((error: Error) => {
      throw new WebhookCertificateUnavailableError(`reading the PayPal signing certificate failed: ${error.message}`);
    });
    if (done) break;
    size += value.length;
    if (size > MAX_CERT_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw reject('certificate-invalid', 'paypal-cert-url served more than a certificate');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
