import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, MinLength } from 'class-validator';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lowerCased = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class RegisterUserDto {
  @ApiProperty({ example: 'ada@example.org', format: 'email', maxLength: 320, description: 'Stored lower-cased; unique' })
  @Transform(lowerCased)
  @IsString()
  @MaxLength(320)
  @IsEmail()
  email: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 120 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 120)
  displayName: string;

  @ApiProperty({ example: 'correct horse battery staple', minLength: 12, maxLength: 128, format: 'password' })
  @IsString()
  @MinLength(12)
  // Long enough for passphrases; bounded so nobody makes us hash a megabyte.
  @MaxLength(128)
  password: string;
}
