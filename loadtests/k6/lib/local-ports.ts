/**
 * The services' ports on a local stack (`./ecotrack up`), as tools/ports.env lists them: k6 cannot
 * read that file portably, so they are copied here, and tests/repo/ports.spec.ts holds the copy to
 * the table. Plain data: that spec imports it under Node.
 */
export const LOCAL_PORTS = {
  'user-service': 3001,
  'product-service': 3002,
  'order-service': 3003,
  'payment-service': 3004,
  'notification-service': 3005,
} as const;

export type Service = keyof typeof LOCAL_PORTS;
