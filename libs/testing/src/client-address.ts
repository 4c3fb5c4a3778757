import http from 'node:http';

export interface AddressedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface AddressedClient {
  readonly address: string;
  request(method: string, url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<AddressedResponse>;
  close(): void;
}

/**
 * An HTTP client that speaks from its own loopback address (127.x.y.z: all of 127.0.0.0/8 is
 * the loopback on Linux), so the services, which take the TCP peer as the client IP without a
 * trusted proxy in front, see distinct clients as they would behind the real edge. Every test
 * on one machine otherwise comes from 127.0.0.1 and shares one per-IP budget.
 */
export function clientAt(address: string): AddressedClient {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) throw new Error(`not a loopback address: ${address}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  return {
    address,
    close: () => agent.destroy(),
    request: (method, url, options = {}) =>
      new Promise((resolve, reject) => {
        const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
        const request = http.request(
          url,
          {
            method,
            agent,
            localAddress: address,
            headers: {
              ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
              ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
              ...options.headers,
            },
            timeout: 30_000,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text ? JSON.parse(text) : undefined });
            });
            response.on('error', reject);
          },
        );
        request.on('timeout', () => request.destroy(new Error(`${method} ${url}: no answer in 30 s`)));
        request.on('error', reject);
        request.end(payload);
      }),
  };
}
