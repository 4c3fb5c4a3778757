export {
  SagaConcurrencyError,
  SagaCoordinator,
  type ReplyOutcome,
  type ResumeOutcome,
  type SagaCommandSender,
  type SagaCoordinatorOptions,
  type SagaInstanceView,
  type SagaReply,
  type SagaReplySource,
} from './coordinator';
export { defineSaga, replyTypesOf, seconds, type Compensation, type ReplyPayload, type SagaCommand, type SagaDefinition, type SagaOutcomes, type SagaStep } from './definition';
export { CreateSagaInstances1764700001000 } from './saga-instances.migration';
export { SagaMetrics, type SagaOutcome } from './saga-metrics';
export { TimeoutPoller, type TimeoutPollerOptions } from './timeout-poller';
export {
  ACTIVE_STATUSES,
  begin,
  decide,
  DEFAULT_RETRY_LIMITS,
  failedWhile,
  type RetryLimits,
  type SagaDecision,
  type SagaEvent,
  type SagaState,
  type SagaStatus,
} from './transitions';
export { InboxReplySource } from './inbox-reply-source';
export { OutboxCommandSender } from './outbox-command-sender';
export { sagaConfig, type SagaSettings } from './saga.config';
export { SagaModule } from './saga.module';
