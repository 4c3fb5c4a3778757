import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { TokenPairDto } from './dto/token-pair.dto';

const VERSION = 'v1';
const INFO = 'ecotrack refresh retry answer v1';

/**
 * The key of one retry answer, derived from the refresh token that was used (HKDF-SHA256).
 * Only the SHA-256 of that token is stored anywhere, and a token is 256 random bits, so
 * the answer opens for nobody but the holder of the old token: the one who is owed it.
 */
const keyOf = (presentedToken: string, sessionId: string) => Buffer.from(hkdfSync('sha256', presentedToken, sessionId, INFO, 32));

/** The new pair, encrypted (AES-256-GCM) for whoever presents the same old token again. */
export function sealRetryAnswer(pair: TokenPairDto, presentedToken: string, sessionId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(presentedToken, sessionId), iv);
  cipher.setAAD(Buffer.from(`${VERSION}:${sessionId}`));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(pair), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The pair a first use of `presentedToken` got; throws if the answer was not sealed for it. */
export function openRetryAnswer(answer: string, presentedToken: string, sessionId: string): TokenPairDto {
  const [version, iv, sealed, tag] = answer.split('.');
  if (version !== VERSION || !iv || !sealed || !tag) throw new Error('unknown retry answer format');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(presentedToken, sessionId), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(`${VERSION}:${sessionId}`));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as TokenPairDto;
}
