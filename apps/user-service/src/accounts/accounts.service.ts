import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { messageSchemas, OutboxWriter, topics } from '@ecotrack/events';
import { PgError, pgErrorCode, ValidationProblemException } from '@ecotrack/platform';
import { TransitCipher } from '@ecotrack/secrets';
import type { Repository } from 'typeorm';
import type { RegisterUserDto } from './dto/register-user.dto';
import { PasswordHasher } from './password-hasher';
import { User, type Role } from './user.entity';

const registeredEmail = messageSchemas.UserRegistered[1].shape.email;

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
  ) {}

  /**
   * The account and its UserRegistered event (through the outbox) in ONE transaction: the event
   * exists exactly when the account does. A duplicate email rolls both back (409).
   */
  async register(request: RegisterUserDto): Promise<Account> {
    // The address travels in UserRegistered, whose schema is stricter than the DTO's IsEmail
    // (ASCII only, no quoted local part): refuse here what the event could not carry.
    if (!registeredEmail.safeParse(request.email).success) {
      throw new ValidationProblemException([{ field: 'email', message: 'email must be a plain ASCII address (no quoted or internationalized parts)' }]);
    }
    // Both before the transaction: no row lock waits on argon2 or OpenBao.
    const [passwordHash, displayNameCiphertext] = await Promise.all([this.hasher.hash(request.password), this.cipher.encrypt(request.displayName)]);
    try {
      return await this.users.manager.transaction(async (tx) => {
        const user = await tx.save(tx.create(User, { email: request.email, displayNameCiphertext, legacyDisplayName: null, passwordHash }));
        await this.outbox.write(tx, {
          topic: topics.user.events,
          type: 'UserRegistered',
          aggregateId: user.id,
          payload: { userId: user.id, email: user.email, name: request.displayName },
        });
        return Object.assign(user, { displayName: request.displayName });
      });
    } catch (error) {
      // The unique index decides, so two concurrent registrations cannot both win.
      if (pgErrorCode(error) === PgError.uniqueViolation) {
        throw new ConflictException('an account with this email already exists');
      }
      throw error;
    }
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
