import path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../..');
export const STATE_DIR = process.env.ECOTRACK_STATE_DIR ?? path.join(WORKSPACE_ROOT, '.stack');
export const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'] as const;
export type ServiceName = (typeof SERVICES)[number];
