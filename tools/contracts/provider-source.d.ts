export interface Source {
  version: string;
  commit?: string;
  tree?: string;
}
export interface Checkout {
  root: string;
  remove(): void;
}
export interface Verification {
  ok: boolean;
  /** The verifier's lines, each naming the consumer, the interaction and the field or route. */
  mismatches: string[];
  output: string;
}
export const ROOT: string;
export function treeVersion(root?: string): string;
export function sourceOf(version: string, root?: string): Source;
export function describeSource(source: Source): string;
export function pactsAt(source: Source): Map<string, string>;
export function checkout(commit: string): Checkout;
export function verifyAt(root: string, provider: string, pactFiles: string[], options?: { quiet?: boolean }): Verification;
