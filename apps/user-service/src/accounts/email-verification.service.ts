import { ConflictException, HttpException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { OutboxWriter, topics } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/core';
import { SEALED_FIELDS_CIPHER } from '@ecotrack/field-encryption';
import { problem, RATE_LIMITED_PROBLEM_TYPE } from '@ecotrack/platform';
import type { TransitCipher } from '@ecotrack/secrets';
import type { Repository } from 'typeorm';
import type { UserConfig } from '../config';
import { AccountMetrics } from './account-metrics';
import { AccountsService } from './accounts.service';
import { User } from './user.entity';
import { hashVerificationToken, VerificationMails } from './verification-mails';

export const VerificationProblemType = {
  invalidToken: 'urn:ecotrack:problem:invalid-verification-token',
  expiredToken: 'urn:ecotrack:problem:verification-token-expired',
  alreadyVerified: 'urn:ecotrack:problem:email-already-verified',
} as const;

const DAY_MS = 24 * 3_600_000;

/** 429 for one more verification mail than EMAIL_VERIFICATION_MAILS_PER_DAY; the controller sets Retry-After from it. */
export class TooManyVerificationMails extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    perDay: number,
  ) {
    super(
      problem(429, { type: RATE_LIMITED_PROBLEM_TYPE, title: 'Too many requests', detail: `at most ${perDay} verification mails per account in 24 hours; try again later` }),
      429,
    );
  }
}

const alreadyVerified = () =>
  new ConflictException(problem(409, { type: VerificationProblemType.alreadyVerified, title: 'Email address already verified', detail: 'this account has verified its address' }));

/**
 * Proving an address: the token of a verification mail (registration, or `resend`) marks the
 * account verified once (EmailVerified, which now carries the display name, sealed: only a verified
 * address gets mail with user-chosen text). Tokens expire (EMAIL_VERIFICATION_TTL); a used token
 * answers the same again, so a retried request is harmless.
 */
@Injectable()
export class EmailVerificationService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly accounts: AccountsService,
    private readonly mails: VerificationMails,
    private readonly outbox: OutboxWriter,
    @Inject(SEALED_FIELDS_CIPHER) private readonly sealer: TransitCipher,
    @Inject(APP_CONFIG) private readonly config: UserConfig,
    private readonly metrics: AccountMetrics,
  ) {}

  /** Another verification mail for the caller; at most EMAIL_VERIFICATION_MAILS_PER_DAY in any 24 hours. */
  async resend(userId: string): Promise<{ expiresAt: Date }> {
    const user = await this.accounts.get(userId);
    if (user.emailVerifiedAt) throw alreadyVerified();
    const mail = await this.mails.prepare(user.email);
    return this.users.manager.transaction(async (tx) => {
      // The account's row lock serializes concurrent resends, so the count below cannot be outrun.
      const [locked]: { email_verified_at: Date | null }[] = await tx.query(`SELECT email_verified_at FROM users WHERE id = $1 FOR UPDATE`, [userId]);
      if (locked.email_verified_at) throw alreadyVerified();
      const [recent]: { sent: number; oldest: Date | null }[] = await tx.query(
        `SELECT count(*)::int AS sent, min(created_at) AS oldest FROM email_verification_tokens WHERE user_id = $1 AND created_at > now() - interval '1 day'`,
        [userId],
      );
      const perDay = this.config.EMAIL_VERIFICATION_MAILS_PER_DAY;
      if (recent.sent >= perDay) {
        throw new TooManyVerificationMails(Math.max(1, Math.ceil((recent.oldest!.getTime() + DAY_MS - Date.now()) / 1000)), perDay);
      }
      // Tokens long past their expiry are of no use to anyone.
      await tx.query(`DELETE FROM email_verification_tokens WHERE user_id = $1 AND expires_at < now() - interval '1 day'`, [userId]);
      await this.mails.record(tx, userId, mail);
      return { expiresAt: mail.expiresAt };
    });
  }

  /** Marks the token's account verified. Unknown token: 400; expired: 400 (ask for a new mail). */
  async verify(token: string): Promise<void> {
    const tokenHash = hashVerificationToken(token);
    const [found]: { user_id: string; used: boolean; expired: boolean; verified: boolean }[] = await this.users.query(
      `SELECT t.user_id, t.used_at IS NOT NULL AS used, t.expires_at <= now() AS expired, u.email_verified_at IS NOT NULL AS verified
         FROM email_verification_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
      [tokenHash],
    );
    if (!found) {
      this.metrics.countInvalidToken();
      throw new HttpException(problem(400, { type: VerificationProblemType.invalidToken, title: 'Invalid verification token', detail: 'the token is unknown or no longer valid' }), 400);
    }
    if (found.used) return;
    if (found.expired && !found.verified) {
      this.metrics.countInvalidToken();
      throw new HttpException(
        problem(400, { type: VerificationProblemType.expiredToken, title: 'Verification token expired', detail: 'the token has expired; ask for a new verification mail' }),
        400,
      );
    }
    // Outside the transaction (OpenBao): the display name, sealed for the welcome mail.
    const { displayName } = await this.accounts.account(found.user_id);
    const sealedName = displayName ? await this.sealer.encrypt(displayName) : undefined;
    await this.users.manager.transaction(async (tx) => {
      await tx.query(`UPDATE email_verification_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL`, [tokenHash]);
      const [, verified]: [unknown, number] = await tx.query(`UPDATE users SET email_verified_at = now() WHERE id = $1 AND email_verified_at IS NULL`, [found.user_id]);
      if (verified === 0) return;
      this.metrics.countVerified(tx);
      // The other mails' tokens are moot now.
      await tx.query(`DELETE FROM email_verification_tokens WHERE user_id = $1 AND used_at IS NULL`, [found.user_id]);
      await this.outbox.write(tx, { topic: topics.user.events, type: 'EmailVerified', aggregateId: found.user_id, payload: { userId: found.user_id, name: sealedName } });
    });
  }
}
