import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { emailAddress, OutboxWriter, topics } from '@ecotrack/events';
import { APP_CONFIG } from '@ecotrack/core';
import { ValidationProblemException } from '@ecotrack/platform';
import { TransitCipher } from '@ecotrack/secrets';
import type { Repository } from 'typeorm';
import type { UserConfig } from '../config';
import type { RegisterUserDto } from './dto/register-user.dto';
import { PasswordHasher } from './password-hasher';
import { User, type Role } from './user.entity';
import { VerificationMails } from './verification-mails';
import { AccountMetrics } from './account-metrics';

/** A user with the personal fields decrypted: what the API shows. Never saved as such. */
export type Account = User & { displayName: string };

/**
 * Accounts. The display name is a personal field: it is encrypted (transit key personal-fields)
 * before it is written and decrypted after it is read, here, so the rest of the service and the
 * database only ever see ciphertext. Only what the API shows is decrypted (`account`), not the
 * rows login and refresh read for id and roles.
 */
@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly outbox: OutboxWriter,
    private readonly cipher: TransitCipher,
    private readonly verificationMails: VerificationMails,
    @Inject(APP_CONFIG) private readonly config: UserConfig,
    private readonly metrics: AccountMetrics,
  ) {}

  /**
   * The account, UserRegistered and the first verification mail (EmailVerificationRequested), in
   * ONE transaction: the events exist exactly when the account does. The events carry the address
   * sealed and no display name (see docs/personal-data.md).
   *
   * An address already registered answers 409, unless this is the same request again (a retry
   * whose first answer was lost): see `replay`. The unique index decides, with ON CONFLICT DO
   * NOTHING rather than an error, so neither two concurrent registrations can both win nor a
   * duplicate leave the address in the database server's error log.
   */
  async register(request: RegisterUserDto): Promise<Account> {
    // The address is mailed later, by rules stricter than the DTO's IsEmail (ASCII only, no
    // quoted local part): refuse here what could not be delivered.
    if (!emailAddress.safeParse(request.email).success) {
      throw new ValidationProblemException([{ field: 'email', message: 'email must be a plain ASCII address (no quoted or internationalized parts)' }]);
    }
    // All before the transaction: no row lock waits on argon2 or OpenBao.
    const [passwordHash, displayNameCiphertext, verification] = await Promise.all([
      this.hasher.hash(request.password),
      this.cipher.encrypt(request.displayName),
      this.verificationMails.prepare(request.email),
    ]);
    const created = await this.users.manager.transaction(async (tx) => {
      const inserted: { id: string }[] = await tx.query(
        `INSERT INTO users (email, display_name_ciphertext, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id`,
        [request.email, displayNameCiphertext, passwordHash],
      );
      if (inserted.length === 0) return undefined;
      const user = await tx.findOneByOrFail(User, { id: inserted[0].id });
      await this.outbox.write(tx, { topic: topics.user.events, type: 'UserRegistered', aggregateId: user.id, payload: { userId: user.id, email: verification.sealedEmail } });
      await this.verificationMails.record(tx, user.id, verification);
      return Object.assign(user, { displayName: request.displayName });
    });
    if (created) {
      this.metrics.countRegistration();
      return created;
    }
    const replayed = await this.replay(request);
    if (replayed) return replayed;
    throw new ConflictException('an account with this email already exists');
  }

  /**
   * The account `request` created, when it is that same registration again: same address,
   * password and display name, within REGISTRATION_REPLAY_WINDOW of its creation. It then answers
   * what the first one did (201, the account), and nothing is written or mailed again. This tells
   * no more than 409 does: only someone who knows the password gets the account, and they could
   * log in anyway. The password is checked on every conflict, so a 409 takes as long either way.
   */
  private async replay(request: RegisterUserDto): Promise<Account | undefined> {
    const existing = await this.users.findOneBy({ email: request.email });
    const samePassword = await this.hasher.verify(existing?.passwordHash, request.password);
    if (!existing || !samePassword || Date.now() - existing.createdAt.getTime() > this.config.REGISTRATION_REPLAY_WINDOW) return undefined;
    const account = await this.reveal(existing);
    return account.displayName === request.displayName ? account : undefined;
  }

  /** The row, personal fields still encrypted (for id and roles). */
  async get(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`user ${id} does not exist`);
    return user;
  }

  /** The user with the display name decrypted, for the API. */
  async account(id: string): Promise<Account> {
    return this.reveal(await this.get(id));
  }

  async rename(id: string, displayName: string): Promise<Account> {
    const user = await this.get(id);
    user.displayNameCiphertext = await this.cipher.encrypt(displayName);
    user.legacyDisplayName = null;
    return Object.assign(await this.users.save(user), { displayName });
  }

  /** Replaces the user's roles; `changed` is false when they already had exactly these. */
  async replaceRoles(id: string, roles: Role[]): Promise<{ user: Account; changed: boolean }> {
    const user = await this.get(id);
    const sorted = (list: readonly Role[]) => [...list].sort().join(',');
    if (sorted(user.roles) === sorted(roles)) return { user: await this.reveal(user), changed: false };
    user.roles = roles;
    return { user: await this.reveal(await this.users.save(user)), changed: true };
  }

  /** The user when email and password match; null otherwise (same time either way). */
  async verifyCredentials(email: string, password: string): Promise<User | null> {
    const user = await this.users.findOneBy({ email: email.trim().toLowerCase() });
    return (await this.hasher.verify(user?.passwordHash, password)) ? user : null;
  }

  /**
   * Decrypts the display name. A plaintext value still in the legacy column (a row from before
   * encryption, not yet reached by the field-key job) is the newest one: this version never writes it.
   */
  private async reveal(user: User): Promise<Account> {
    const displayName = user.legacyDisplayName ?? (user.displayNameCiphertext === null ? '' : await this.cipher.decrypt(user.displayNameCiphertext));
    return Object.assign(user, { displayName });
  }
}
