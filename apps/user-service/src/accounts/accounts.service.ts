import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PgError, pgErrorCode } from '@ecotrack/platform';
import type { Repository } from 'typeorm';
import type { RegisterUserDto } from './dto/register-user.dto';
import { PasswordHasher } from './password-hasher';
import { User, type Role } from './user.entity';

@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
  ) {}

  async register(request: RegisterUserDto): Promise<User> {
    const passwordHash = await this.hasher.hash(request.password);
    try {
      return await this.users.save(this.users.create({ email: request.email, displayName: request.displayName, passwordHash }));
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
