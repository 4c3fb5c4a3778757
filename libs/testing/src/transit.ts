import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STATE_DIR, type ServiceName } from './paths';

/** One transit key as a service may use it: whatever its policy refuses fails with OpenBao's status. */
export interface TransitAs {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}

/**
 * Transit as `service` has it: logged in with that service's AppRole (the secret-id file
 * tools/openbao/configure.sh writes), so its policy applies. Tests seal event fields as
 * user-service does, or open them as notification-service does, without the root token.
 */
export async function transitAs(service: ServiceName, key: string, address = process.env.OPENBAO_ADDR): Promise<TransitAs> {
  if (!address) throw new Error('OPENBAO_ADDR is not set (the integration setup exports the stack environment)');
  const secretId = readFileSync(path.join(STATE_DIR, 'openbao', 'approle', `${service}.secret-id`), 'utf8').trim();
  const login = await fetch(`${address}/v1/auth/approle/login`, { method: 'POST', body: JSON.stringify({ role_id: service, secret_id: secretId }) });
  if (!login.ok) throw new Error(`OpenBao login as ${service}: HTTP ${login.status}`);
  const token = ((await login.json()) as { auth: { client_token: string } }).auth.client_token;
  const call = async (operation: 'encrypt' | 'decrypt', body: Record<string, string>) => {
    const response = await fetch(`${address}/v1/transit/${operation}/${key}`, { method: 'POST', headers: { 'X-Vault-Token': token }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`transit/${operation}/${key} as ${service}: HTTP ${response.status}`);
    return ((await response.json()) as { data: { ciphertext?: string; plaintext?: string } }).data;
  };
  return {
    encrypt: async (plaintext) => (await call('encrypt', { plaintext: Buffer.from(plaintext, 'utf8').toString('base64') })).ciphertext!,
    decrypt: async (ciphertext) => Buffer.from((await call('decrypt', { ciphertext })).plaintext!, 'base64').toString('utf8'),
  };
}
