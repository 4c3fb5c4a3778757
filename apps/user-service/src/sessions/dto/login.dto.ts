import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'ada@example.org', maxLength: 320 })
  @IsString()
  @Length(1, 320)
  email: string;

  @ApiProperty({ example: 'correct horse battery staple', maxLength: 128, format: 'password' })
  @IsString()
  @Length(1, 128)
  password: string;
}

export class RefreshDto {
  @ApiProperty({ example: '0b6f3c1e-5d7a-4f7e-9a51-2c4e8b9d1f00.qJ3x8m0ZbWk2rY7pV5tN1sL4dH9gF6cA0eU2iO8yT3w' })
  @IsString()
  @MaxLength(200)
  refreshToken: string;
}
