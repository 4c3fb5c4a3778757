import { Controller, HttpCode, Post, type Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FieldKeyRewrap, type ColumnReport, type RewrapReport } from './field-key-rewrap';

class ColumnReportDto implements ColumnReport {
  @ApiProperty({ example: 'users' }) table: string;
  @ApiProperty({ example: 'display_name_ciphertext' }) column: string;
  @ApiProperty({ description: 'Ciphertexts moved to the latest key version' }) rewrapped: number;
  @ApiProperty({ description: 'Plaintext leftovers (rows from before encryption) encrypted' }) encrypted: number;
  @ApiProperty({ description: 'Rows changed by a writer meanwhile, left as they were (the next run looks again)' }) skipped: number;
}

export class RewrapReportDto implements RewrapReport {
  @ApiProperty({ description: 'The transit key', example: 'personal-fields' }) key: string;
  @ApiProperty({ description: "The key's latest version: every row is at it after a run without skips", example: 2 }) latestVersion: number;
  @ApiProperty({
    description: 'The oldest key version a row still needs; when it equals latestVersion, min_decryption_version may be raised',
    nullable: true,
    type: Number,
  })
  oldestVersionInUse: number | null;
  @ApiProperty() rewrapped: number;
  @ApiProperty() encrypted: number;
  @ApiProperty() skipped: number;
  @ApiProperty({ type: [ColumnReportDto] }) columns: ColumnReportDto[];
  @ApiProperty({ description: 'How long the run took' }) durationMs: number;
}

/**
 * The admin route, built for the app: `adminOnly` is how the app's auth marks a route for admins
 * (platform's `Roles('admin')`), so this lib stays beside secrets and core and the route's
 * guard, its 401/403 and its OpenAPI document are the app's, like every other route's.
 */
export function fieldKeyRewrapController(adminOnly: MethodDecorator): Type<unknown> {
  /** What a platform team runs after `bao write -f transit/keys/<key>/rotate` (the job also runs on its own, hourly). */
  @ApiTags('admin')
  @Controller('v1/admin/field-keys')
  class FieldKeyRewrapController {
    constructor(private readonly job: FieldKeyRewrap) {}

    @Post('rewrap')
    @HttpCode(200)
    @adminOnly
    @ApiBearerAuth()
    @ApiOperation({
      summary: 'Move every encrypted field to the latest transit key version (admin only)',
      description:
        'Rewraps ciphertexts made with an older version of the key and encrypts plaintext left from before encryption. ' +
        'Safe to repeat and to run beside writers: a row is only replaced while unchanged.',
    })
    @ApiOkResponse({ type: RewrapReportDto })
    @ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked token (problem+json, WWW-Authenticate)' })
    @ApiForbiddenResponse({ description: 'The caller is not an admin (problem+json)' })
    rewrap(): Promise<RewrapReportDto> {
      return this.job.rewrapAll();
    }
  }
  return FieldKeyRewrapController;
}
