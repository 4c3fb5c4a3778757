import { Body, Controller, Get, Put } from '@nestjs/common';
import { CurrentUser, type AuthenticatedUser } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PreferencesDto } from './preferences.dto';
import { PreferencesService } from './preferences.service';

/** The caller's own channel opt-ins; everyone starts opted in. */
@ApiTags('notification-preferences')
@ApiBearerAuth()
@Controller('v1/notification-preferences')
export class PreferencesController {
  constructor(private readonly preferences: PreferencesService) {}

  @Get('me')
  @ApiOkResponse({ type: PreferencesDto })
  async get(@CurrentUser() user: AuthenticatedUser): Promise<PreferencesDto> {
    return PreferencesDto.of(await this.preferences.get(user.id));
  }

  @Put('me')
  @ApiOkResponse({ type: PreferencesDto })
  @ApiBadRequestResponse({ description: 'Missing, unknown or non-boolean fields (problem+json)' })
  async put(@Body() body: PreferencesDto, @CurrentUser() user: AuthenticatedUser): Promise<PreferencesDto> {
    return PreferencesDto.of(await this.preferences.put(user.id, body));
  }
}
