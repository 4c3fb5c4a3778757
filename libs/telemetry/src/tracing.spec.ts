import { samplerFromEnv } from './tracing';

describe('trace sampler', () => {
  const described = (env: NodeJS.ProcessEnv) => samplerFromEnv(env).toString();

  it('keeps a share of new traces in production (NODE_ENV unset is production), and every trace a caller sampled', () => {
    expect(described({ NODE_ENV: 'production' })).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0\.1\}/);
    expect(described({})).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0\.1\}/);
  });

  it('keeps every trace in development and tests', () => {
    expect(described({ NODE_ENV: 'development' })).toMatch(/^ParentBased\{root=AlwaysOnSampler/);
    expect(described({ NODE_ENV: 'test' })).toMatch(/^ParentBased\{root=AlwaysOnSampler/);
  });

  it('follows the standard variables', () => {
    expect(described({ NODE_ENV: 'production', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatch(/TraceIdRatioBased\{0\.25\}/);
    expect(described({ NODE_ENV: 'production', OTEL_TRACES_SAMPLER: 'always_on' })).toBe('AlwaysOnSampler');
    expect(described({ NODE_ENV: 'development', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' })).toBe('TraceIdRatioBased{0.5}');
  });

  it('refuses a sampler or ratio it does not know, naming the variable', () => {
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/^OTEL_TRACES_SAMPLER: expected one of always_on, /);
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow('OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1');
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER_ARG: 'half' })).toThrow('OTEL_TRACES_SAMPLER_ARG');
  });
});
