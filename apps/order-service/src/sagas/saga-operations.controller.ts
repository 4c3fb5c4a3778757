import { ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { APP_CONFIG } from '@ecotrack/core';
import { problem, Roles, uuidParam } from '@ecotrack/platform';
import { SagaCoordinator, type SagaSettings } from '@ecotrack/saga';
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
import { DataSource } from 'typeorm';
import { SagaInstanceDto, SagaInstanceListDto } from './dto/saga-instance.dto';

export const SAGA_FINISHED_PROBLEM_TYPE = 'urn:ecotrack:problem:saga-finished';

/**
 * What an operator has for an order saga that neither finishes nor compensates (see
 * docs/runbooks/EcoTrackSagaFailed.md): the list of those needing attention, and resume.
 */
@ApiTags('sagas')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid bearer token (problem+json)' })
@ApiForbiddenResponse({ description: 'The caller is not an admin (problem+json)' })
@Roles('admin')
@Controller('v1/sagas')
export class SagaOperationsController {
  constructor(
    private readonly coordinator: SagaCoordinator,
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: SagaSettings,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Sagas that need an operator: FAILED, or active for longer than SAGA_STUCK_AFTER_MS (admin)' })
  @ApiOkResponse({ type: SagaInstanceListDto })
  async list(): Promise<SagaInstanceListDto> {
    const items = await this.coordinator.listNeedingAttention(this.db, this.config.SAGA_STUCK_AFTER_MS);
    return { items: items.map((view) => SagaInstanceDto.of(view)) };
  }

  /**
   * Participants are idempotent by business key (reservation id, payment id), so sending the
   * command again never reserves, charges or refunds twice.
   */
  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send the command a saga awaits again, attempts counted from 1; a FAILED saga goes back to what it was doing (admin)' })
  @ApiOkResponse({ type: SagaInstanceDto, description: 'The saga, resumed: RUNNING or COMPENSATING, attempt 1' })
  @ApiBadRequestResponse({ description: 'id is not a UUID (problem+json)' })
  @ApiNotFoundResponse({ description: 'No such saga (problem+json)' })
  @ApiConflictResponse({ description: 'The saga has finished (COMPLETED or REJECTED): nothing to resume (problem+json naming its status)' })
  async resume(@Param('id', uuidParam('id')) id: string): Promise<SagaInstanceDto> {
    const result = await this.coordinator.resume(this.db, id);
    if (result.outcome === 'unknown-saga') throw new NotFoundException('no such resource');
    if (result.outcome === 'finished') {
      throw new ConflictException(
        problem(409, {
          type: SAGA_FINISHED_PROBLEM_TYPE,
          title: 'Saga finished',
          detail: `saga ${id} is ${result.instance.status}: there is nothing to resume`,
          sagaStatus: result.instance.status,
        }),
      );
    }
    return SagaInstanceDto.of(result.instance);
  }
}
