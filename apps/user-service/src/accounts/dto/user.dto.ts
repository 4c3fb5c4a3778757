import { ApiProperty } from '@nestjs/swagger';
import type { Account } from '../accounts.service';

/** What the API says about a user; the password hash has no field here. */
export class UserDto {
  @ApiProperty({ format: 'uuid', example: '7d8f5f0e-8b1c-4a52-9d44-0b8e3c1f2a10' })
  id: string;
  @ApiProperty({ example: 'ada@example.org' })
  email: string;
  @ApiProperty({ example: 'Ada Lovelace' })
  displayName: string;
  @ApiProperty({ example: false, description: 'Whether the owner of the address proved it (the token of a verification mail)' })
  emailVerified: boolean;
  @ApiProperty({ example: ['customer'], enum: ['customer', 'admin'], isArray: true })
  roles: string[];
  @ApiProperty({ example: '2025-11-26T10:00:00.000Z' })
  createdAt: string;
}

/** Field by field, so nothing new on the entity ever leaks by accident. */
export const toUserDto = (user: Account): UserDto => ({
  id: user.id,
  email: user.email,
  displayName: user.displayName,
  emailVerified: user.emailVerifiedAt !== null,
  roles: user.roles,
  createdAt: user.createdAt.toISOString(),
});
