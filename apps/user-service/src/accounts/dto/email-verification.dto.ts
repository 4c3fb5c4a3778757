import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { VERIFICATION_TOKEN_PATTERN } from '../verification-mails';

/** The token of a verification mail; in the body, never in the URL (URLs are logged). */
export class VerifyEmailDto {
  @ApiProperty({ description: 'The token the verification mail carries (43 characters, base64url)', example: 'q3v1Xh0YyC2m8Zb7kqP4b1m0c6Wf2d9r5tG8sN1aL0E', pattern: VERIFICATION_TOKEN_PATTERN.source })
  @IsString()
  @Matches(VERIFICATION_TOKEN_PATTERN, { message: 'token must be the 43-character token of a verification mail' })
  token: string;
}

export class VerificationMailDto {
  @ApiProperty({ description: "Until when the new mail's token is good", example: '2026-11-27T10:00:00.000Z' })
  expiresAt: string;
}
