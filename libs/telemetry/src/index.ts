export { shutdownTracing, startTracing } from './tracing';
export { loggerModuleParams, pinoOptions, REDACTED_PATHS } from './logging';
export { createMetricsRegistry, instrumentHttpServer, METRICS_REGISTRY, MetricsModule } from './metrics';
