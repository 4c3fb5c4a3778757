import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@ecotrack/platform';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwksDto } from './dto/jwks.dto';
import { SigningKeys } from './signing-keys';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeys) {}

  /**
   * Verifiers cache it (max-age 300 s). With the key ring a new key is published
   * JWT_SIGNING_KEY_PROPAGATION_DELAY (default 10 min) before it signs, so caches
   * know it in time; a verifier that does not refetches on the unknown kid anyway.
   */
  @Get('jwks.json')
  @Public()
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys that verify access tokens (RFC 7517 JWK set)' })
  @ApiOkResponse({ type: JwksDto })
  jwks(): JwksDto {
    return this.keys.jwks as JwksDto;
  }
}
