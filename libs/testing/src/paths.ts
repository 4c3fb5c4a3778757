import path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../..');
export const STATE_DIR = process.env.ECOTRACK_STATE_DIR ?? path.join(WORKSPACE_ROOT, '.stack');
export const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'] as const;
export type ServiceName = (typeof SERVICES)[number];
export const SERVICE_PORTS: Record<ServiceName, number> = {
  'user-service': 3001,
  'product-service': 3002,
  'order-service': 3003,
  'payment-service': 3004,
  'notification-service': 3005,
};
