/** What a service tells the platform about itself. */
export interface ServiceInfo {
  /** e.g. "product-service"; used for logs, traces, metrics and the DB application name. */
  name: string;
  version: string;
  /** The documented default port (DESIGN.md); PORT overrides it. */
  port: number;
  description: string;
}
