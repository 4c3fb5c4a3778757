/** Types of tools/k8s/wait-for.js (plain JavaScript: it runs in the images with node only). */
export interface WaitCheck {
  label: string;
  protocol: 'postgres' | 'redis' | 'rediss' | 'kafka' | 'http' | 'tcp';
  host: string;
  port: number;
  /** http only: the URL to GET. */
  url?: string;
}
/** The checks TARGETs stand for, with this environment, without running them. Throws on a bad target or an unset variable. */
export function plan(targets: string[], env?: Record<string, string | undefined>): WaitCheck[];
/** Runs one check once: resolves when the dependency answered its protocol. */
export function probe(check: WaitCheck): Promise<void>;
