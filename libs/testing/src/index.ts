export { dockerEngineAnswers, ensureInfrastructure, readStackEnv, serviceEnv, type InfraEnv } from './infrastructure';
export { servicesIn, waitForTrace, type JaegerTrace } from './jaeger';
export { SERVICE_PORTS, SERVICES, STATE_DIR, WORKSPACE_ROOT, type ServiceName } from './paths';
export { startInProcess } from './in-process';
export { spawnService, type ServiceProcess } from './service-process';
export { newTraceparent } from './trace-context';
export { startTestIdentity, type TestIdentity } from './test-identity';
export { mailpitBinary, startMailpit, startPrism, startStripeMock, stripeMockBinary, VENDOR_APIS, type MailpitMock, type VendorMock } from './vendor-mocks';
