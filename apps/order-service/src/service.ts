/** Who this service is; read by the telemetry preload and by main.ts. */
export const service = {
  name: 'order-service',
  version: process.env.SERVICE_VERSION ?? '0.1.0',
  port: 3003,
  description: 'Orders and the saga that turns an order into a confirmed, paid purchase or a clean rejection',
};
