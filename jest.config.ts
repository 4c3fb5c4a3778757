import type { Config } from 'jest';

/**
 * Test layers (DESIGN.md "Tests, bottom to top"):
 *   unit        *.spec.ts      no I/O
 *   integration *.int-spec.ts  real PostgreSQL, Redis, Kafka, OpenBao from libs/testing
 *   e2e         *.e2e-spec.ts  the whole local stack, started by `./ecotrack up`
 *   saga        *.saga-spec.ts the five services as restartable processes: the order saga and its fault matrix
 *   apiserver   *.k8s-spec.ts  the rendered chart on a real kube-apiserver (tools/k8s/apiserver.sh)
 *   pact-consumer  tests/contracts/consumers: each service's expectations of the others (dist/contracts/pacts;
 *                  `node tools/contracts/pacts.js check` holds them equal to the committed contracts/)
 *   pact-provider  tests/contracts (the rest): every pact verified against its real provider; the negative
 *                  proofs and the promotion gate
 *   dr          *.dr-spec.ts   disaster recovery: point-in-time restore, the drill (PostgreSQL and OpenBao lost and
 *                              restored under order load) and the replica's failover, on the saga layer's processes
 *   lifecycle   *.lifecycle-spec.ts  stops and restarts the stack; runs last
 * A unit spec sits beside its code, a project's integration specs in its test/, and what spans
 * several services or the whole repository in tests/ (README "Tests").
 */
const swc: [string, Record<string, unknown>] = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@ecotrack/telemetry/tracing$': '<rootDir>/libs/telemetry/src/tracing.ts',
    '^@ecotrack/(core|platform|telemetry|events|saga|secrets|field-encryption|testing)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.stack/'],
} satisfies Config;

const config: Config = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,tests,loadtests}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools,tests}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/integration-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest/integration-timeout.ts'],
      slowTestThreshold: 30,
    },
    {
      ...shared,
      displayName: 'saga',
      testMatch: ['<rootDir>/{apps,libs,tools,tests}/**/*.saga-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/saga-setup.ts',
      slowTestThreshold: 120,
    },
    {
      ...shared,
      displayName: 'apiserver',
      testMatch: ['<rootDir>/tools/**/*.k8s-spec.ts'],
      slowTestThreshold: 120,
    },
    {
      ...shared,
      displayName: 'pact-consumer',
      testMatch: ['<rootDir>/tests/contracts/consumers/*.pact-spec.ts'],
      globalSetup: '<rootDir>/tests/contracts/support/consumer-setup.ts',
    },
    {
      ...shared,
      displayName: 'pact-provider',
      testMatch: ['<rootDir>/tests/contracts/{providers/,}*.pact-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/integration-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest/integration-timeout.ts'],
      slowTestThreshold: 60,
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,libs,tools,tests}/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/e2e-setup.ts',
    },
    {
      ...shared,
      displayName: 'dr',
      testMatch: ['<rootDir>/{apps,libs,tools,tests}/**/*.dr-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/saga-setup.ts',
      slowTestThreshold: 300,
    },
    {
      ...shared,
      displayName: 'lifecycle',
      testMatch: ['<rootDir>/{apps,libs,tools,tests}/**/*.lifecycle-spec.ts'],
    },
  ],
};

export default config;
