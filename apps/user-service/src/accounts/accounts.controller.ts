import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { CurrentUser, Public, RateLimit, Roles, uuidParam, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { REGISTRATION_LIMITS } from '../abuse-limits';
import { AccountsService } from './accounts.service';
import { RegisterUserDto } from './dto/register-user.dto';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { toUserDto, UserDto } from './dto/user.dto';

@ApiTags('accounts')
@Controller('v1/users')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @Public()
  @RateLimit(...REGISTRATION_LIMITS)
  @ApiOperation({ summary: 'Register an account (role customer); a verification mail goes to the address. Safe to retry: the same request again answers the same 201' })
  @ApiCreatedResponse({ type: UserDto, description: 'The account; also the answer to the same request again (same email, password and display name) within REGISTRATION_REPLAY_WINDOW' })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields, password shorter than 12 (problem+json)' })
  @ApiConflictResponse({ description: 'The email is already registered by another registration (problem+json)' })
  @ApiTooManyRequestsResponse({ description: 'Too many registrations from this client IP or for this email (problem+json, Retry-After)' })
  async register(@Body() request: RegisterUserDto): Promise<UserDto> {
    return toUserDto(await this.accounts.register(request));
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The calling user' })
  @ApiOkResponse({ type: UserDto })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked token (problem+json, WWW-Authenticate)' })
  async me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return toUserDto(await this.accounts.account(user.id));
  }

  @Patch('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change the display name (the only field that may change here)' })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields (problem+json)' })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked token (problem+json, WWW-Authenticate)' })
  async updateMe(@CurrentUser() user: AuthenticatedUser, @Body() request: UpdateProfileDto): Promise<UserDto> {
    return toUserDto(await this.accounts.rename(user.id, request.displayName));
  }

  @Get(':id')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Any user by id (admin only)' })
  @ApiOkResponse({ type: UserDto })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked token (problem+json, WWW-Authenticate)' })
  @ApiForbiddenResponse({ description: 'The caller is not an admin (problem+json)' })
  @ApiNotFoundResponse({ description: 'No such user (problem+json)' })
  async get(@Param('id', uuidParam('id')) id: string): Promise<UserDto> {
    return toUserDto(await this.accounts.account(id));
  }
}
