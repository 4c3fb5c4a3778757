import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { messageSchemas, OutboxWriter, topics } from '@ecotrack/events';
import { PgError, pgErrorCode, ValidationProblemException } from '@ecotrack/platform';
import type { Repository } from 'typeorm';
import type { RegisterUserDto } from './dto/register-user.dto';
import { PasswordHasher } from './password-hasher';
import { User, type Role } from './user.entity';

const registeredEmail = messageSchemas.UserRegistered[1].shape.email;

@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * The account and its UserRegistered event (through the outbox) in ONE transaction: the event
   * exists exactly when the account does. A duplicate email rolls both back (409).
   */
  async register(request: RegisterUserDto): Promise<User> {
    // The address travels in UserRegistered, whose schema is stricter than the DTO's IsEmail
    // (ASCII only, no quoted local part): refuse here what the event could not carry.
    if (!registeredEmail.safeParse(request.email).success) {
      throw new ValidationProblemException([{ field: 'email', message: 'email must be a plain ASCII address (no quoted or internationalized parts)' }]);
    }
    const passwordHash = await this.hasher.hash(request.password);
    try {
      return await this.users.manager.transaction(async (tx) => {
        const user = await tx.save(tx.create(User, { email: request.email, displayName: request.displayName, passwordHash }));
        await this.outbox.write(tx, {
          topic: topics.user.events,
          type: 'UserRegistered',
          aggregateId: user.id,
          payload: { userId: user.id, email: user.email, name: user.displayName },
        });
        return user;
      });
    } catch (error) {
      // The unique index decides, so two concurrent registrations cannot both win.
      if (pgErrorCode(error) === PgError.uniqueViolation) {
        throw new ConflictException('an account with this email already exists');
      }
      throw error;
    }
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`user ${id} does not exist`);
    return user;
  }

  async rename(id: string, displayName: string): Promise<User> {
    const user = await this.get(id);
    user.displayName = displayName;
    return this.users.save(user);
  }

  /** Replaces the user's roles; `changed` is false when they already had exactly these. */
  async replaceRoles(id: string, roles: Role[]): Promise<{ user: User; changed: boolean }> {
    const user = await this.get(id);
    const sorted = (list: readonly Role[]) => [...list].sort().join(',');
    if (sorted(user.roles) === sorted(roles)) return { user, changed: false };
    user.roles = roles;
    return { user: await this.users.save(user), changed: true };
  }

  /** The user when email and password match; null otherwise (same time either way). */
  async verifyCredentials(email: string, password: string): Promise<User | null> {
    const user = await this.users.findOneBy({ email: email.trim().toLowerCase() });
    return (await this.hasher.verify(user?.passwordHash, password)) ? user : null;
  }
}
