import { Body, Controller, Delete, HttpCode, Ip, Logger, Post, UnauthorizedException } from '@nestjs/common';
import { CurrentUser, Public, RateLimit, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { LOGIN_LIMITS, REFRESH_LIMITS } from '../abuse-limits';
import { LoginDto, RefreshDto } from './dto/login.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller('v1/sessions')
export class SessionsController {
  private readonly logger = new Logger('Sessions');

  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @Public()
  @RateLimit(...LOGIN_LIMITS)
  @ApiOperation({ summary: 'Log in: a short-lived access token and a single-use refresh token' })
  @ApiCreatedResponse({ type: TokenPairDto })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields (problem+json)' })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (problem+json, WWW-Authenticate)' })
  @ApiTooManyRequestsResponse({
    description: 'Too many logins from this client IP or for this email, or failed logins of this email made it wait (problem+json, Retry-After)',
  })
  async login(@Body() request: LoginDto, @Ip() clientIp: string): Promise<TokenPairDto> {
    try {
      return await this.sessions.login(request.email, request.password);
    } catch (error) {
      // For the log-based alert on authentication failures by client IP (helm/ecotrack/files/loki-rules):
      // the IP is the only client identity logged, never the email tried.
      if (error instanceof UnauthorizedException) this.logger.warn({ event: 'login_failed', client_ip: clientIp }, 'login failed');
      throw error;
    }
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @RateLimit(...REFRESH_LIMITS)
  @ApiOperation({
    summary: 'Trade a refresh token for a new pair; the old refresh token stops working',
    description:
      'The same refresh token sent again within REFRESH_RETRY_WINDOW_SECONDS of its use (a retried request) gets the same pair again; later, it counts as reuse and ends the session.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields (problem+json)' })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired or reused refresh token; reuse revokes the session (problem+json)' })
  @ApiTooManyRequestsResponse({ description: 'Too many refreshes from this client IP or of this session (problem+json, Retry-After)' })
  refresh(@Body() request: RefreshDto): Promise<TokenPairDto> {
    return this.sessions.refresh(request.refreshToken);
  }

  @Delete('current')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Log out: the session ends now; its access and refresh tokens stop working at once' })
  @ApiNoContentResponse({ description: 'Session revoked' })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked token (problem+json, WWW-Authenticate)' })
  logout(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    return this.sessions.logout(user.sessionId!);
  }
}
