import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import type { InternalCallsConfig } from './internal-calls.config';

/** Where a calling service puts `<its name>.<its credential>` (local stack; see SERVICE_CREDENTIAL). */
export const SERVICE_CREDENTIAL_HEADER = 'x-service-credential';
/** Envoy's record of the mTLS peers a request passed (RFC-less, see Envoy's XFCC documentation). */
export const CLIENT_CERT_HEADER = 'x-forwarded-client-cert';

type Headers = Record<string, string | string[] | undefined>;

/** Splits on `separator` where it is not inside double quotes (XFCC values quote commas and semicolons). */
function splitUnquoted(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && quoted && i + 1 < text.length) {
      current += char + text[++i];
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

const unquote = (value: string) => (value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value);

/**
 * The SPIFFE id of the peer that the nearest sidecar verified. Istio's inbound listener
 * appends (APPEND_FORWARD) one element per mTLS hop, `By=<us>;Hash=..;Subject="";URI=<peer>`,
 * and removes the header on connections without a client certificate. So only the LAST
 * element is the sidecar's own; anything before it came with the request and may be forged.
 * A peer certificate with other than exactly one URI SAN identifies nobody.
 */
export function peerSpiffeId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  if (!value) return undefined;
  const nearest = splitUnquoted(value, ',').pop()!;
  const uris = splitUnquoted(nearest, ';')
    .map((pair) => pair.trim())
    .filter((pair) => /^uri=/i.test(pair))
    .map((pair) => unquote(pair.slice(4)));
  return uris.length === 1 ? uris[0] : undefined;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** `<service>.<credential>` checked against the digest on file for that service, in constant time. */
function credentialHolder(header: string | string[] | undefined, digests: ReadonlyMap<string, string> | undefined): string | undefined {
  if (typeof header !== 'string' || !digests?.size) return undefined;
  const dot = header.indexOf('.');
  if (dot <= 0) return undefined;
  const name = header.slice(0, dot);
  const expected = digests.get(name);
  if (!expected) return undefined;
  const actual = Buffer.from(sha256Hex(header.slice(dot + 1)), 'hex');
  return timingSafeEqual(actual, Buffer.from(expected, 'hex')) ? name : undefined;
}

/**
 * The service that made this request, or undefined for a client. A client cannot pose as a
 * service: the mesh identity is the sidecar's finding (and trusted only where the chart says
 * every request comes through it), and the credential exists only in OpenBao.
 */
export function internalCaller(headers: Headers, config: InternalCallsConfig): string | undefined {
  const meshCallers = config.INTERNAL_CALLER_SPIFFE_IDS;
  if (meshCallers?.size) {
    const peer = peerSpiffeId(headers[CLIENT_CERT_HEADER]);
    const name = peer && meshCallers.get(peer);
    if (name) return name;
  }
  return credentialHolder(headers[SERVICE_CREDENTIAL_HEADER], config.INTERNAL_CALLER_CREDENTIAL_DIGESTS);
}

/**
 * What this service adds to its calls to the others so that they know it (and do not count
 * them against their clients' budgets). Read at every call: the credential can rotate in
 * OpenBao while the service runs. In the chart there is none: the mesh identity does it.
 */
@Injectable()
export class ServiceCredential {
  constructor(
    @Inject(APP_CONFIG) private readonly config: InternalCallsConfig,
    @Inject(SERVICE_INFO) private readonly service: ServiceInfo,
  ) {}

  headers(): Record<string, string> {
    const credential = this.config.SERVICE_CREDENTIAL;
    return credential ? { [SERVICE_CREDENTIAL_HEADER]: `${this.service.name}.${credential}` } : {};
  }
}
