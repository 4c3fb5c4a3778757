import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { K8sObject } from './chart';

/**
 * A small evaluator of Kubernetes NetworkPolicies (networking.k8s.io/v1), egress side, as the API
 * documents them: a pod's egress is isolated once any policy of its namespace selects it with
 * Egress in policyTypes, and then a connection is allowed when some egress rule of some such policy
 * admits the peer and the port. Peers: `podSelector` alone (pods of the policy's namespace),
 * `namespaceSelector` alone (every pod of the matching namespaces), both in one peer (pods matching
 * both), `ipBlock` (an address outside the cluster: in cidr and in no `except`). An empty or absent
 * `to` admits every peer, an empty or absent `ports` every port. Ports: number or name (the
 * destination pod's named container ports), protocol (TCP by default), `endPort` ranges.
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

interface EgressRule {
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: Array<'Ingress' | 'Egress'>;
  egress?: EgressRule[];
}

/** The pod a connection starts from. */
export interface SourcePod {
  namespace: string;
  labels: Record<string, string>;
}

/** Where a connection goes: a pod in the cluster (its namespace's labels, its own, its named ports), or an address outside it. */
export type Destination =
  | { pod: { namespace: string; namespaceLabels: Record<string, string>; labels: Record<string, string>; namedPorts?: Record<string, number> } }
  | { ip: string };

export interface Connection {
  to: Destination;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** Whether a label selector matches a set of labels (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const ok =
      operator === 'In' ? has && values.includes(labels[key]) : operator === 'NotIn' ? !has || !values.includes(labels[key]) : operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}

function family(address: string): 'ipv4' | 'ipv6' {
  if (isIPv4(address)) return 'ipv4';
  if (isIPv6(address)) return 'ipv6';
  throw new Error(`not an IP address: ${address}`);
}

/** Whether an address lies in a CIDR (IPv4 or IPv6; an address of the other family never does). */
export function cidrContains(cidr: string, address: string): boolean {
  const [network, bits] = cidr.split('/');
  if (bits === undefined || !/^\d{1,3}$/.test(bits)) throw new Error(`not a CIDR: ${cidr}`);
  if (family(network) !== family(address)) return false;
  const list = new BlockList();
  list.addSubnet(network, Number(bits), family(network));
  return list.check(address, family(address));
}

function peerAdmits(peer: PolicyPeer, policyNamespace: string, to: Destination): boolean {
  if (peer.ipBlock) {
    if (!('ip' in to)) return false;
    return cidrContains(peer.ipBlock.cidr, to.ip) && !(peer.ipBlock.except ?? []).some((except) => cidrContains(except, to.ip));
  }
  if (!('pod' in to)) return false;
  const { pod } = to;
  // A podSelector without a namespaceSelector means the policy's own namespace.
  const namespaceOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, pod.namespaceLabels) : pod.namespace === policyNamespace;
  return namespaceOk && selectorMatches(peer.podSelector, pod.labels);
}

function portAdmits(rulePort: PolicyPort, connection: Connection): boolean {
  if ((rulePort.protocol ?? 'TCP') !== (connection.protocol ?? 'TCP')) return false;
  if (rulePort.port === undefined) return true;
  if (typeof rulePort.port === 'string') {
    const named = 'pod' in connection.to ? connection.to.pod.namedPorts?.[rulePort.port] : undefined;
    return named === connection.port;
  }
  return rulePort.endPort === undefined ? rulePort.port === connection.port : connection.port >= rulePort.port && connection.port <= rulePort.endPort;
}

/** The NetworkPolicies among rendered objects, in a namespace. */
export function networkPoliciesIn(objects: K8sObject[], namespace: string): K8sObject[] {
  return objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === namespace);
}

/** Why not, or undefined when the policies let the pod open the connection. */
export function egressDenial(policies: K8sObject[], from: SourcePod, connection: Connection): string | undefined {
  const selecting = policies.filter((policy) => {
    const spec = policy.spec as unknown as NetworkPolicySpec;
    // policyTypes defaults to Ingress, plus Egress when the policy has egress rules.
    const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return policy.metadata.namespace === from.namespace && types.includes('Egress') && selectorMatches(spec.podSelector, from.labels);
  });
  if (selecting.length === 0) return undefined;
  const admitted = selecting.some((policy) =>
    ((policy.spec as unknown as NetworkPolicySpec).egress ?? []).some(
      (rule) =>
        (!rule.to?.length || rule.to.some((peer) => peerAdmits(peer, policy.metadata.namespace!, connection.to))) &&
        (!rule.ports?.length || rule.ports.some((port) => portAdmits(port, connection))),
    ),
  );
  return admitted ? undefined : `no egress rule of ${selecting.map((policy) => policy.metadata.name).join(', ')} admits it`;
}
