import { ApiProperty } from '@nestjs/swagger';

export class TokenPairDto {
  @ApiProperty({ description: 'ES256 JWT; send as `Authorization: Bearer <token>`', example: 'eyJhbGciOiJFUzI1NiIsImtpZCI6InVzZXItMjAyNS0xMSIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiI3ZDhm...' })
  accessToken: string;
  @ApiProperty({ description: 'Opaque; single use: each refresh returns a new one and retires this one', example: '0b6f3c1e-5d7a-4f7e-9a51-2c4e8b9d1f00.qJ3x8m0ZbWk2rY7pV5tN1sL4dH9gF6cA0eU2iO8yT3w' })
  refreshToken: string;
  @ApiProperty({ example: 'Bearer' })
  tokenType: 'Bearer';
  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expiresIn: number;
}
