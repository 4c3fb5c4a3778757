import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, Public, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { LoginDto, RefreshDto } from './dto/login.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @Public()
  @ApiOperation({ summary: 'Log in: a short-lived access token and a single-use refresh token' })
  @ApiCreatedResponse({ type: TokenPairDto })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields (problem+json)' })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (problem+json, WWW-Authenticate)' })
  login(@Body() request: LoginDto): Promise<TokenPairDto> {
    return this.sessions.login(request.email, request.password);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Trade a refresh token for a new pair; the old refresh token stops working' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields (problem+json)' })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired or reused refresh token; reuse revokes the session (problem+json)' })
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
