import { logExporterFromEnv } from './log-export';

describe('OpenTelemetry log export switch (OTEL_LOGS_EXPORTER)', () => {
  it('exports in production by default (NODE_ENV unset is production), nowhere else', () => {
    expect(logExporterFromEnv({ NODE_ENV: 'production' })).toBe('otlp');
    expect(logExporterFromEnv({})).toBe('otlp');
    expect(logExporterFromEnv({ NODE_ENV: 'development' })).toBe('none');
    expect(logExporterFromEnv({ NODE_ENV: 'test' })).toBe('none');
  });

  it('follows the standard variable both ways, an empty value meaning the default', () => {
    expect(logExporterFromEnv({ NODE_ENV: 'production', OTEL_LOGS_EXPORTER: 'none' })).toBe('none');
    expect(logExporterFromEnv({ NODE_ENV: 'development', OTEL_LOGS_EXPORTER: 'otlp' })).toBe('otlp');
    expect(logExporterFromEnv({ NODE_ENV: 'development', OTEL_LOGS_EXPORTER: ' otlp ' })).toBe('otlp');
    expect(logExporterFromEnv({ NODE_ENV: 'production', OTEL_LOGS_EXPORTER: '' })).toBe('otlp');
  });

  it('refuses an exporter it does not have, naming the variable', () => {
    expect(() => logExporterFromEnv({ OTEL_LOGS_EXPORTER: 'console' })).toThrow('OTEL_LOGS_EXPORTER: expected one of otlp, none');
    expect(() => logExporterFromEnv({ OTEL_LOGS_EXPORTER: 'otlp,console' })).toThrow('OTEL_LOGS_EXPORTER');
  });
});
