import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@ecotrack/platform';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwksDto } from './dto/jwks.dto';
import { SigningKeys } from './signing-keys';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeys) {}

  /** Verifiers cache it; after a rotation they refetch on the unknown kid anyway. */
  @Get('jwks.json')
  @Public()
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys that verify access tokens (RFC 7517 JWK set)' })
  @ApiOkResponse({ type: JwksDto })
  jwks(): JwksDto {
    return this.keys.jwks as JwksDto;
  }
}
