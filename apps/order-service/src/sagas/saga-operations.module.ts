import { Module } from '@nestjs/common';
import { SagaOperationsController } from './saga-operations.controller';

/** The operator's side of the order sagas (SagaModule, global, brings the coordinator). */
@Module({ controllers: [SagaOperationsController] })
export class SagaOperationsModule {}
