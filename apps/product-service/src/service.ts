/** Who this service is; read by the telemetry preload and by main.ts. */
export const service = {
  name: 'product-service',
  version: process.env.SERVICE_VERSION ?? '0.1.0',
  port: 3002,
  description: 'Catalog, search, recommendations, inventory reservations; every product carries its carbon footprint (kg CO2e)',
};
