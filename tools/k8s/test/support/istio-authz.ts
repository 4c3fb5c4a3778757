/**
 * Istio AuthorizationPolicy evaluation, small enough to read, for the chart's tests: which of a
 * namespace's policies apply to a pod, and whether they let one request in. Follows Istio's
 * documented semantics (security.istio.io/v1):
 *
 * - CUSTOM is not supported (throws); AUDIT policies never decide.
 * - A DENY policy with a matching rule denies. Else, with no ALLOW policy on the workload, the
 *   request is allowed; with some, it is allowed only when one of their rules matches.
 * - A policy without rules matches nothing (so `spec: {}`, an ALLOW policy, denies everything).
 * - A rule matches when any of its `from` matches (none: any source), any of its `to` (none: any
 *   operation) and all of its `when` conditions.
 * - Within a source or an operation every field set must match; a field matches when any of its
 *   values does, a not-field when none does. Values match exactly, by prefix (`abc*`), by suffix
 *   (`*abc`) or by presence (`*`, any non-empty value).
 * - Paths are matched without the query string (Envoy's url_path).
 * - A peer's principal is its SPIFFE id without `spiffe://` (cluster.local/ns/<ns>/sa/<sa>), its
 *   namespace the one in that id; a request principal is `<iss>/<sub>` of a validated JWT.
 *
 * Fields or condition keys outside this subset throw, so a policy the evaluator cannot read never
 * passes as allowed.
 */

export interface AuthorizationPolicy {
  metadata: { name: string; namespace?: string };
  spec: {
    selector?: { matchLabels?: Record<string, string> };
    action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
    rules?: Rule[];
    [field: string]: unknown;
  };
}

interface Rule {
  from?: Array<{ source: Record<string, string[]> }>;
  to?: Array<{ operation: Record<string, string[]> }>;
  when?: Condition[];
}

interface Condition {
  key: string;
  values?: string[];
  notValues?: string[];
}

/** One request as a workload's sidecar sees it. */
export interface AuthzRequest {
  /** The peer's mTLS identity (no `spiffe://`); absent for plaintext. */
  principal?: string;
  method: string;
  /** Path as sent, query string allowed. */
  path: string;
  /** Host header and destination port, when a policy asks. */
  host?: string;
  port?: number;
  headers?: Record<string, string>;
  /** Claims of a JWT the RequestAuthentication validated; absent: no token. */
  claims?: Record<string, unknown>;
}

export interface AuthzDecision {
  allowed: boolean;
  /** Which policy (and rule) decided, or why none did. */
  reason: string;
}

const SOURCE_FIELDS = new Set(['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces']);
const OPERATION_FIELDS = new Set(['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts', 'ports', 'notPorts']);

/** Istio's string match: exact, `prefix*`, `*suffix`, or `*` for any non-empty value. */
export function matchesValue(pattern: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return value === pattern;
}

/** The policies of `objects` that apply to a pod with these labels in this namespace. */
export function policiesFor(objects: Array<{ kind: string }>, namespace: string, podLabels: Record<string, string>): AuthorizationPolicy[] {
  return (objects.filter((o) => o.kind === 'AuthorizationPolicy') as unknown as AuthorizationPolicy[]).filter((policy) => {
    if ((policy.metadata.namespace ?? namespace) !== namespace) return false;
    if ('targetRef' in policy.spec || 'targetRefs' in policy.spec) throw new Error(`${policy.metadata.name}: targetRef(s) is not supported by this evaluator`);
    const selector = policy.spec.selector?.matchLabels ?? {};
    return Object.entries(selector).every(([key, value]) => podLabels[key] === value);
  });
}

const urlPath = (path: string) => path.split('?')[0].split('#')[0];
const namespaceOf = (principal: string | undefined) => (principal ? /\/ns\/([^/]+)\//.exec(principal)?.[1] : undefined);

function requestPrincipal(request: AuthzRequest): string | undefined {
  const { iss, sub } = request.claims ?? {};
  return typeof iss === 'string' && typeof sub === 'string' ? `${iss}/${sub}` : undefined;
}

/** The values of a request attribute (several for a list claim or several audiences); undefined when absent. */
function attribute(request: AuthzRequest, key: string): string[] | undefined {
  const asList = (value: unknown): string[] | undefined =>
    value === undefined || value === null ? undefined : Array.isArray(value) ? value.map(String) : [String(value)];
  const claims = request.claims;
  const claimPath = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
  if (claimPath) {
    if (!claims) return undefined;
    const names = [...claimPath[1].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
    let value: unknown = claims;
    for (const name of names) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
    return asList(value);
  }
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) return asList(request.headers?.[header[1].toLowerCase()]);
  switch (key) {
    case 'request.auth.principal':
      return asList(requestPrincipal(request));
    case 'request.auth.audiences':
      return claims ? asList(claims.aud) : undefined;
    case 'request.auth.presenter':
      return claims ? asList(claims.azp) : undefined;
    case 'source.principal':
      return asList(request.principal);
    case 'source.namespace':
      return asList(namespaceOf(request.principal));
    case 'destination.port':
      return asList(request.port);
    default:
      throw new Error(`condition key ${key} is not supported by this evaluator`);
  }
}

/** A field with its values: any value matches; a not-field: none does. */
function fieldMatches(field: string, patterns: string[], actual: string[] | undefined): boolean {
  const any = patterns.some((pattern) => (actual ?? []).some((value) => matchesValue(pattern, value)));
  return field.startsWith('not') ? !any : any;
}

function sourceMatches(source: Record<string, string[]>, request: AuthzRequest): boolean {
  return Object.entries(source).every(([field, patterns]) => {
    if (!SOURCE_FIELDS.has(field)) throw new Error(`source field ${field} is not supported by this evaluator`);
    const base = field.replace(/^not(.)/, (_m, c: string) => c.toLowerCase());
    const actual =
      base === 'principals'
        ? [request.principal]
        : base === 'requestPrincipals'
          ? [requestPrincipal(request)]
          : [namespaceOf(request.principal)];
    return fieldMatches(field, patterns, actual.filter((v): v is string => v !== undefined));
  });
}

function operationMatches(operation: Record<string, string[]>, request: AuthzRequest): boolean {
  return Object.entries(operation).every(([field, patterns]) => {
    if (!OPERATION_FIELDS.has(field)) throw new Error(`operation field ${field} is not supported by this evaluator`);
    const base = field.replace(/^not(.)/, (_m, c: string) => c.toLowerCase());
    const actual = { methods: request.method, paths: urlPath(request.path), hosts: request.host, ports: request.port?.toString() }[base];
    return fieldMatches(field, patterns.map(String), actual === undefined ? undefined : [actual]);
  });
}

function conditionMatches(condition: Condition, request: AuthzRequest): boolean {
  const actual = attribute(request, condition.key);
  if (condition.values && !fieldMatches('values', condition.values, actual)) return false;
  if (condition.notValues && !fieldMatches('notValues', condition.notValues, actual)) return false;
  return true;
}

/** Index of the first rule of the policy that matches the request, or -1. */
function matchingRule(policy: AuthorizationPolicy, request: AuthzRequest): number {
  return (policy.spec.rules ?? []).findIndex(
    (rule) =>
      (!rule.from?.length || rule.from.some(({ source }) => sourceMatches(source, request))) &&
      (!rule.to?.length || rule.to.some(({ operation }) => operationMatches(operation, request))) &&
      (rule.when ?? []).every((condition) => conditionMatches(condition, request)),
  );
}

/** Whether the policies that apply to a workload let the request in. */
export function evaluate(policies: AuthorizationPolicy[], request: AuthzRequest): AuthzDecision {
  const action = (policy: AuthorizationPolicy) => policy.spec.action ?? 'ALLOW';
  const custom = policies.find((policy) => action(policy) === 'CUSTOM');
  if (custom) throw new Error(`${custom.metadata.name}: CUSTOM policies are not supported by this evaluator`);
  for (const policy of policies.filter((p) => action(p) === 'DENY')) {
    const rule = matchingRule(policy, request);
    if (rule >= 0) return { allowed: false, reason: `denied by ${policy.metadata.name} (DENY rule ${rule})` };
  }
  const allows = policies.filter((p) => action(p) === 'ALLOW');
  if (allows.length === 0) return { allowed: true, reason: 'no ALLOW policy applies to the workload' };
  for (const policy of allows) {
    const rule = matchingRule(policy, request);
    if (rule >= 0) return { allowed: true, reason: `allowed by ${policy.metadata.name} (rule ${rule})` };
  }
  return { allowed: false, reason: `no rule of ${allows.map((p) => p.metadata.name).join(', ')} matches` };
}
