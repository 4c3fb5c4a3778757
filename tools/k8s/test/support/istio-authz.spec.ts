import { evaluate, matchesValue, policiesFor, type AuthorizationPolicy, type AuthzRequest } from './istio-authz';

const ORDER = 'cluster.local/ns/shop/sa/order-service';
const GATEWAY = 'cluster.local/ns/istio-ingress/sa/istio-ingressgateway';
const allowNothing: AuthorizationPolicy = { metadata: { name: 'allow-nothing' }, spec: {} };
const allow = (name: string, rules: AuthorizationPolicy['spec']['rules']): AuthorizationPolicy => ({ metadata: { name }, spec: { action: 'ALLOW', rules } });
const deny = (name: string, rules: AuthorizationPolicy['spec']['rules']): AuthorizationPolicy => ({ metadata: { name }, spec: { action: 'DENY', rules } });
const get = (path: string, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({ method: 'GET', path, principal: ORDER, ...extra });

describe('Istio AuthorizationPolicy evaluation', () => {
  it('matches values exactly, by prefix, by suffix and by presence', () => {
    expect(matchesValue('/v1/products', '/v1/products')).toBe(true);
    expect(matchesValue('/v1/products', '/v1/products/batch')).toBe(false);
    expect(matchesValue('/v1/products/*', '/v1/products/batch')).toBe(true);
    expect(matchesValue('/v1/products/*', '/v1/productsX')).toBe(false);
    expect(matchesValue('*/ready', '/health/ready')).toBe(true);
    expect(matchesValue('*', 'anything')).toBe(true);
    expect(matchesValue('*', undefined)).toBe(false);
  });

  it('allows everything when no ALLOW policy applies, and nothing under an ALLOW policy without rules', () => {
    expect(evaluate([], get('/x')).allowed).toBe(true);
    expect(evaluate([allowNothing], get('/x'))).toEqual({ allowed: false, reason: 'no rule of allow-nothing matches' });
  });

  it('allows by principal, method and path; the query string is not part of the path', () => {
    const products = allow('product-service', [{ from: [{ source: { principals: [ORDER] } }], to: [{ operation: { methods: ['GET'], paths: ['/v1/products', '/v1/products/*'] } }] }]);
    expect(evaluate([allowNothing, products], get('/v1/products/batch?ids=a&ids=b')).allowed).toBe(true);
    expect(evaluate([allowNothing, products], get('/health/ready')).allowed).toBe(false);
    expect(evaluate([allowNothing, products], { ...get('/v1/products'), method: 'POST' }).allowed).toBe(false);
    expect(evaluate([allowNothing, products], get('/v1/products', { principal: GATEWAY })).allowed).toBe(false);
    expect(evaluate([allowNothing, products], get('/v1/products', { principal: undefined })).allowed).toBe(false);
  });

  it('reads namespaces from the peer principal and honours not-fields', () => {
    const policy = allow('p', [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { notPaths: ['/admin*'] } }] }]);
    expect(evaluate([policy], get('/v1/x')).allowed).toBe(true);
    expect(evaluate([policy], get('/admin/users')).allowed).toBe(false);
    expect(evaluate([policy], get('/v1/x', { principal: GATEWAY })).allowed).toBe(false);
  });

  it('checks request principals and JWT conditions', () => {
    const claims = { iss: 'https://issuer.example', sub: 'u1', aud: 'api', roles: ['customer'] };
    const edge = allow('edge', [
      {
        from: [{ source: { principals: [GATEWAY], requestPrincipals: ['https://issuer.example/*'] } }],
        when: [{ key: 'request.auth.audiences', values: ['api'] }],
      },
    ]);
    expect(evaluate([edge], get('/v1/orders', { principal: GATEWAY, claims })).allowed).toBe(true);
    expect(evaluate([edge], get('/v1/orders', { principal: GATEWAY, claims: { ...claims, aud: ['other', 'api'] } })).allowed).toBe(true);
    expect(evaluate([edge], get('/v1/orders', { principal: GATEWAY, claims: { ...claims, aud: 'other' } })).allowed).toBe(false);
    expect(evaluate([edge], get('/v1/orders', { principal: GATEWAY, claims: { ...claims, iss: 'urn:other' } })).allowed).toBe(false);
    expect(evaluate([edge], get('/v1/orders', { principal: GATEWAY })).allowed).toBe(false);
  });

  it('lets a matching DENY rule win over any ALLOW; notValues match an absent claim', () => {
    const open = allow('open', [{}]);
    const adminOnly = deny('admin-only', [{ to: [{ operation: { methods: ['POST'], paths: ['/v1/products*'] } }], when: [{ key: 'request.auth.claims[roles]', notValues: ['admin'] }] }]);
    const post = (claims?: Record<string, unknown>) => ({ ...get('/v1/products'), method: 'POST', claims });
    expect(evaluate([open, adminOnly], post({ roles: ['customer'] }))).toEqual({ allowed: false, reason: 'denied by admin-only (DENY rule 0)' });
    expect(evaluate([open, adminOnly], post(undefined)).allowed).toBe(false);
    expect(evaluate([open, adminOnly], post({ roles: ['customer', 'admin'] })).allowed).toBe(true);
    expect(evaluate([open, adminOnly], get('/v1/products')).allowed).toBe(true);
  });

  it('reads nested claims', () => {
    const policy = allow('p', [{ when: [{ key: 'request.auth.claims[realm][tier]', values: ['gold'] }] }]);
    expect(evaluate([policy], get('/', { claims: { realm: { tier: 'gold' } } })).allowed).toBe(true);
    expect(evaluate([policy], get('/', { claims: { realm: { tier: 'lead' } } })).allowed).toBe(false);
  });

  it('refuses what it cannot read instead of allowing it', () => {
    expect(() => evaluate([allow('p', [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }])], get('/'))).toThrow('source field ipBlocks is not supported');
    expect(() => evaluate([allow('p', [{ when: [{ key: 'connection.sni', values: ['x'] }] }])], get('/'))).toThrow('condition key connection.sni is not supported');
    expect(() => evaluate([{ metadata: { name: 'ext' }, spec: { action: 'CUSTOM' } }], get('/'))).toThrow('CUSTOM policies are not supported');
  });

  it('applies a namespace-wide policy and those whose selector the pod labels satisfy', () => {
    const objects = [
      { kind: 'AuthorizationPolicy', metadata: { name: 'all', namespace: 'shop' }, spec: {} },
      { kind: 'AuthorizationPolicy', metadata: { name: 'mine', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'order' } } } },
      { kind: 'AuthorizationPolicy', metadata: { name: 'theirs', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'user' } } } },
      { kind: 'AuthorizationPolicy', metadata: { name: 'elsewhere', namespace: 'other' }, spec: {} },
      { kind: 'Service', metadata: { name: 'order', namespace: 'shop' }, spec: {} },
    ];
    expect(policiesFor(objects, 'shop', { app: 'order', track: 'stable' }).map((p) => p.metadata.name)).toEqual(['all', 'mine']);
  });
});
