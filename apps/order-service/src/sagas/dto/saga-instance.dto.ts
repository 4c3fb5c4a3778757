import { ApiProperty } from '@nestjs/swagger';
import type { SagaInstanceView } from '@ecotrack/saga';

const STATUSES = ['RUNNING', 'COMPENSATING', 'COMPLETED', 'REJECTED', 'FAILED'] as const;

/** A saga instance as an operator sees it (docs/runbooks/EcoTrackSagaFailed.md). */
export class SagaInstanceDto {
  @ApiProperty({ format: 'uuid', example: '3c9d2e1f-4a5b-4c6d-8e7f-0a1b2c3d4e5f' })
  id: string;
  @ApiProperty({ example: 'create-order', description: 'create-order or cancel-order' })
  saga: string;
  @ApiProperty({ format: 'uuid', description: 'The order it is about', example: 'b3f7a4de-5c1e-4f0a-9d2b-7e8c1a2b3c4d' })
  orderId: string;
  @ApiProperty({ enum: STATUSES, description: 'FAILED: it stopped resending and waits for an operator', example: 'FAILED' })
  status: (typeof STATUSES)[number];
  @ApiProperty({ example: 'confirm reservation', description: 'The step it is at' })
  step: string;
  @ApiProperty({
    enum: ['RUNNING', 'COMPENSATING'],
    nullable: true,
    description: "Whether it awaits the step's command (RUNNING) or the step's compensation (COMPENSATING); for FAILED, what it was doing; null once finished",
    example: 'RUNNING',
  })
  phase: 'RUNNING' | 'COMPENSATING' | null;
  @ApiProperty({ description: 'Sends of the awaited command so far (the first included)', example: 10 })
  attempt: number;
  @ApiProperty({ nullable: true, description: 'Why it is being undone (COMPENSATING), or why it stopped (FAILED past the pivot)', example: 'confirm reservation: no reply after 10 attempts' })
  failureReason: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ format: 'date-time', description: 'Its last change', example: '2026-11-26T12:31:30.000Z' })
  updatedAt: string;

  static of(view: SagaInstanceView): SagaInstanceDto {
    return {
      id: view.id,
      saga: view.saga,
      orderId: view.aggregateId,
      status: view.status,
      step: view.step,
      phase: view.phase,
      attempt: view.attempt,
      failureReason: view.failureReason,
      createdAt: view.createdAt.toISOString(),
      updatedAt: view.updatedAt.toISOString(),
    };
  }
}

export class SagaInstanceListDto {
  @ApiProperty({ type: [SagaInstanceDto], description: 'FAILED instances and active ones started longer than SAGA_STUCK_AFTER_MS ago, oldest change first (at most 100)' })
  items: SagaInstanceDto[];
}
