/** Who this service is; read by the telemetry preload and by main.ts. */
export const service = {
  name: 'user-service',
  version: process.env.SERVICE_VERSION ?? '0.1.0',
  port: 3001,
  description: 'Accounts, login, JWT (JWKS), sessions and roles',
};
