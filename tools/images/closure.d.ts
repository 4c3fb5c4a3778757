// Types of closure.js (plain CommonJS so that it runs with bare node before any build).
/** Scripts every image carries at the same path under /app, its WORKDIR. */
export const SCRIPTS: string[];
export function specifiers(source: string): string[];
export function packageName(spec: string): string | undefined;
export function traceFiles(entries: string[]): { files: Set<string>; packages: Map<string, string> };
export function findPackage(name: string, from: string, root: string): string | undefined;
export function tracePackages(roots: Map<string, string>, root: string, declared?: Set<string>): Map<string, { name: string; version: string }>;
export function runtimeFile(name: string): boolean;
export function closure(service: string, root: string): { files: Set<string>; packages: Map<string, { name: string; version: string }> };
export function layOut(service: string, root: string, out: string): { files: Set<string>; packages: Map<string, { name: string; version: string }> };
