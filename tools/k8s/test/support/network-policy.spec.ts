import type { K8sObject } from './chart';
import { cidrContains, egressDenial, selectorMatches, type Connection } from './network-policy';

const policy = (name: string, spec: Record<string, unknown>, namespace = 'app'): K8sObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});
const api = { namespace: 'app', labels: { 'app.kubernetes.io/name': 'api' } };
const other = { namespace: 'app', labels: { 'app.kubernetes.io/name': 'other' } };
const inNamespace = (namespace: string, labels: Record<string, string> = {}, namedPorts?: Record<string, number>) => ({
  pod: { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, labels, namedPorts },
});
const tcp = (to: Connection['to'], port: number): Connection => ({ to, port });

describe('NetworkPolicy egress evaluator', () => {
  const denyAll = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

  it('allows everything to a pod no Egress policy selects, nothing once one selects it without a matching rule', () => {
    expect(egressDenial([], api, tcp({ ip: '203.0.113.9' }, 443))).toBeUndefined();
    const ingressOnly = policy('ingress-only', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(egressDenial([ingressOnly], api, tcp({ ip: '203.0.113.9' }, 443))).toBeUndefined();
    expect(egressDenial([denyAll], api, tcp({ ip: '203.0.113.9' }, 443))).toBe('no egress rule of deny admits it');
    // A policy of another namespace does not select the pod.
    expect(egressDenial([policy('elsewhere', { podSelector: {}, policyTypes: ['Egress'] }, 'other')], api, tcp({ ip: '203.0.113.9' }, 443))).toBeUndefined();
  });

  it('reads ipBlock with except, and never matches a pod with it', () => {
    const internet = policy('internet', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] }],
    });
    const policies = [denyAll, internet];
    expect(egressDenial(policies, api, tcp({ ip: '203.0.113.9' }, 443))).toBeUndefined();
    expect(egressDenial(policies, api, tcp({ ip: '10.1.2.3' }, 443))).toBeDefined();
    expect(egressDenial(policies, api, tcp({ ip: '169.254.169.254' }, 443))).toBeDefined();
    expect(egressDenial(policies, api, tcp({ ip: '203.0.113.9' }, 80))).toBeDefined();
    expect(egressDenial(policies, api, { to: { ip: '203.0.113.9' }, port: 443, protocol: 'UDP' })).toBeDefined();
    expect(egressDenial(policies, other, tcp({ ip: '203.0.113.9' }, 443))).toBeDefined();
    expect(egressDenial(policies, api, tcp(inNamespace('app'), 443))).toBeDefined();
    expect(cidrContains('10.0.0.0/16', '10.0.255.1')).toBe(true);
    expect(cidrContains('10.0.0.0/16', '10.1.0.1')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '2001:db8::1')).toBe(false);
    expect(cidrContains('2001:db8::/32', '2001:db8::1')).toBe(true);
  });

  it('reads podSelector alone as the policy namespace, namespaceSelector alone as every pod there, both as their intersection', () => {
    const rules = policy('peers', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: { matchLabels: { role: 'db' } } }], ports: [{ port: 5432 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: 53, protocol: 'UDP' }] },
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-egress' } }, podSelector: { matchLabels: { istio: 'egressgateway' } } }],
          ports: [{ port: 8443 }],
        },
      ],
    });
    expect(egressDenial([rules], api, tcp(inNamespace('app', { role: 'db' }), 5432))).toBeUndefined();
    expect(egressDenial([rules], api, tcp(inNamespace('other', { role: 'db' }), 5432))).toBeDefined();
    expect(egressDenial([rules], api, { to: inNamespace('kube-system', { k8s: 'dns' }), port: 53, protocol: 'UDP' })).toBeUndefined();
    expect(egressDenial([rules], api, tcp(inNamespace('kube-system'), 53))).toBeDefined();
    expect(egressDenial([rules], api, tcp(inNamespace('istio-egress', { istio: 'egressgateway' }), 8443))).toBeUndefined();
    expect(egressDenial([rules], api, tcp(inNamespace('istio-egress', { istio: 'ingressgateway' }), 8443))).toBeDefined();
    expect(egressDenial([rules], api, tcp(inNamespace('app', { istio: 'egressgateway' }), 8443))).toBeDefined();
  });

  it('reads empty to/ports as any, named ports, and endPort ranges', () => {
    const anyPeer = policy('any-peer', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'https' }, { port: 9092, endPort: 9096 }] }] });
    expect(egressDenial([anyPeer], api, tcp(inNamespace('x', {}, { https: 8443 }), 8443))).toBeUndefined();
    expect(egressDenial([anyPeer], api, tcp(inNamespace('x', {}, { https: 8443 }), 443))).toBeDefined();
    expect(egressDenial([anyPeer], api, tcp({ ip: '198.51.100.1' }, 9094))).toBeUndefined();
    expect(egressDenial([anyPeer], api, tcp({ ip: '198.51.100.1' }, 9097))).toBeDefined();
    const anything = policy('anything', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] });
    expect(egressDenial([denyAll, anything], api, tcp({ ip: '198.51.100.1' }, 1))).toBeUndefined();
  });

  it('matches label selectors with matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'api', tier: 'web' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'db' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'edge'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });
});
