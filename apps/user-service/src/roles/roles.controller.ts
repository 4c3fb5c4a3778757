import { Body, Controller, Param, Put } from '@nestjs/common';
import { CurrentUser, Roles, uuidParam, type AuthenticatedUser } from '@ecotrack/platform';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { toUserDto, UserDto } from '../accounts/dto/user.dto';
import { SetRolesDto } from './dto/set-roles.dto';
import { RolesService } from './roles.service';

@ApiTags('accounts')
@Controller('v1/users')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Put(':id/roles')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Set a user's roles (admin only)",
    description: "Replaces the user's roles and ends their sessions, so no access token keeps a role it lost.",
  })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Empty, duplicated or unknown roles, unknown fields (problem+json)' })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked token (problem+json, WWW-Authenticate)' })
  @ApiForbiddenResponse({ description: 'The caller is not an admin (problem+json)' })
  @ApiNotFoundResponse({ description: 'No such user (problem+json)' })
  @ApiConflictResponse({ description: 'An admin tried to remove their own admin role (problem+json)' })
  async setRoles(
    @Param('id', uuidParam('id')) id: string,
    @Body() request: SetRolesDto,
    @CurrentUser() admin: AuthenticatedUser,
  ): Promise<UserDto> {
    return toUserDto(await this.roles.setRoles(id, request.roles, admin.id));
  }
}
