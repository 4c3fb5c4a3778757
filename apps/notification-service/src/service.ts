/** Who this service is; read by the telemetry preload and by main.ts. */
export const service = {
  name: 'notification-service',
  version: process.env.SERVICE_VERSION ?? '0.1.0',
  port: 3005,
  description: 'Email, SMS and push notifications with preferences, delivery tracking and retries',
};
