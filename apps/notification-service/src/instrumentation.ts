// Loaded before anything else: OpenTelemetry patches modules as they are required.
import { startTracing } from '@ecotrack/telemetry/tracing';
import { service } from './service';

startTracing(service.name);
