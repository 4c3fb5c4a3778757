/** Who this service is; read by the telemetry preload and by main.ts. */
export const service = {
  name: 'payment-service',
  version: process.env.SERVICE_VERSION ?? '0.1.0',
  port: 3004,
  description: 'Stripe and PayPal behind one gateway interface: authorize, capture, void, refund',
};
