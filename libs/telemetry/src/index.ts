export { shutdownTracing, startTracing } from './tracing';
export { bindRequestLogFields, logDestination, loggerModuleParams, pinoOptions, redactFields, serviceLogger } from './logging';
export { createMetricsRegistry, instrumentHttpServer, METRICS_REGISTRY, metricValue, MetricsModule } from './metrics';
