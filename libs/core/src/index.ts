export { APP_CONFIG, SECRET_SOURCE, SERVICE_INFO } from './tokens';
export type { ServiceInfo } from './service-info';
export { Lifecycle, type LifecyclePhase } from './lifecycle/lifecycle';
export { DependencyDegraded, DependencyRegistry, type DependencyCheck, type DependencyState, type WaitPolicy } from './lifecycle/dependencies';
export type { DatabaseLogin, DatabaseLoginSource, SecretSource, SecretSourceFactory } from './secret-source';
export { mappedProblem, mapErrorsToProblems, type MappedProblem } from './errors/problem-mappings';
export { numericTransformer } from './database/numeric-transformer';
