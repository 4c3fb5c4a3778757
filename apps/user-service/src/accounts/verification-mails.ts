import { Inject, Injectable } from '@nestjs/common';
import { OutboxWriter, topics } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/core';
import { SEALED_FIELDS_CIPHER } from '@ecotrack/field-encryption';
import type { TransitCipher } from '@ecotrack/secrets';
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { UserConfig } from '../config';
import { EmailVerificationToken } from './email-verification-token.entity';

/** A verification token: 32 random bytes, base64url (43 characters). */
export const VERIFICATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const newVerificationToken = (): string => randomBytes(32).toString('base64url');

/** What the database keeps of a token: its hex SHA-256 (enough for 256 random bits; no slow hash needed). */
export const hashVerificationToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A verification mail before its transaction: the token exists only sealed (and as a hash). */
export interface PreparedVerificationMail {
  tokenHash: string;
  /** The address and the token, sealed for notification-service (SEALED_FIELDS_KEY). */
  sealedEmail: string;
  sealedToken: string;
  expiresAt: Date;
}

/**
 * Verification mails: user-service makes the token, notification-service (which owns email) sends
 * it. The token never exists in clear outside this process and the mail: the database keeps its
 * hash, the outbox and Kafka carry it sealed with a key only notification-service may decrypt.
 */
@Injectable()
export class VerificationMails {
  constructor(
    @Inject(SEALED_FIELDS_CIPHER) private readonly sealer: TransitCipher,
    private readonly outbox: OutboxWriter,
    @Inject(APP_CONFIG) private readonly config: UserConfig,
  ) {}

  /** Before the transaction (it asks OpenBao, and no row lock should wait on that). */
  async prepare(email: string): Promise<PreparedVerificationMail> {
    const token = newVerificationToken();
    const [sealedEmail, sealedToken] = await this.sealer.encryptBatch([email, token]);
    return { tokenHash: hashVerificationToken(token), sealedEmail, sealedToken, expiresAt: new Date(Date.now() + this.config.EMAIL_VERIFICATION_TTL) };
  }

  /** In the caller's transaction: the token's row and EmailVerificationRequested, which asks for the mail. */
  async record(tx: EntityManager, userId: string, mail: PreparedVerificationMail): Promise<void> {
    await tx.insert(EmailVerificationToken, { tokenHash: mail.tokenHash, userId, expiresAt: mail.expiresAt });
    await this.outbox.write(tx, {
      topic: topics.user.events,
      type: 'EmailVerificationRequested',
      aggregateId: userId,
      payload: { userId, email: mail.sealedEmail, token: mail.sealedToken, expiresAt: mail.expiresAt.toISOString() },
    });
  }
}
