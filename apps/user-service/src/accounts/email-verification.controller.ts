import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CurrentUser, Public, RateLimit, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { VerificationMailDto, VerifyEmailDto } from './dto/email-verification.dto';
import { EmailVerificationService, TooManyVerificationMails } from './email-verification.service';

@ApiTags('accounts')
@Controller('v1/users')
export class EmailVerificationController {
  constructor(private readonly verification: EmailVerificationService) {}

  @Post('email-verification')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: "Verify the account's email address with the token of a verification mail (no login needed: the mail may be opened elsewhere)" })
  @ApiNoContentResponse({ description: 'The address is verified (also for a token already used: a retry changes nothing)' })
  @ApiBadRequestResponse({
    description:
      'A malformed token (validation-error), an unknown or superseded one (urn:ecotrack:problem:invalid-verification-token), ' +
      'or an expired one (urn:ecotrack:problem:verification-token-expired: ask for a new mail) (problem+json)',
  })
  async verify(@Body() body: VerifyEmailDto): Promise<void> {
    await this.verification.verify(body.token);
  }

  @Post('me/email-verification')
  @HttpCode(202)
  @ApiBearerAuth()
  // Each request mails someone: a tight route limit on top of the per-account daily cap.
  @RateLimit({ perMinute: 3 })
  @ApiOperation({ summary: 'Send another verification mail to the caller (its token replaces none: each is good until it expires)' })
  @ApiAcceptedResponse({ type: VerificationMailDto, description: 'The mail is on its way (notification-service sends it)' })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked token (problem+json, WWW-Authenticate)' })
  @ApiConflictResponse({ description: 'The address is already verified (urn:ecotrack:problem:email-already-verified, problem+json)' })
  @ApiTooManyRequestsResponse({ description: 'More than EMAIL_VERIFICATION_MAILS_PER_DAY mails in 24 hours, or the route limit (problem+json, Retry-After)' })
  async resend(@CurrentUser() user: AuthenticatedUser, @Res({ passthrough: true }) reply: FastifyReply): Promise<VerificationMailDto> {
    try {
      const { expiresAt } = await this.verification.resend(user.id);
      return { expiresAt: expiresAt.toISOString() };
    } catch (error) {
      if (error instanceof TooManyVerificationMails) void reply.header('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }
}
