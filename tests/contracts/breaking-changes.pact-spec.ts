import { pactsFor } from './support/provider';
import { applyEdits, BATCH_MOVED, renameEverywhere, STOCK_WITHOUT_AVAILABLE, type SourceEdit } from './support/variants';

// Shared with the promotion gate (tools/contracts/can-deploy.js).
import { checkout, verifyAt, type Verification } from '../../tools/contracts/provider-source';

/**
 * The negative proofs: a scratch checkout of this commit, changed the way a provider team might
 * change it, verified by its own provider test against the committed pacts. Compatible changes
 * (added fields) are shown passing by the promotion gate's test.
 */
describe('a provider change that breaks a consumer fails verification, naming the field or route', () => {
  function verifyVariant(edits: (root: string) => SourceEdit[]) {
    const tree = checkout('HEAD');
    try {
      applyEdits(tree.root, edits(tree.root));
      return verifyAt(tree.root, 'product-service', pactsFor('product-service'), { quiet: true });
    } finally {
      tree.remove();
    }
  }

  let result: Verification;
  beforeAll(() => {
    // One variant, three breaking changes, each in its own interaction.
    result = verifyVariant((root) => [
      ...BATCH_MOVED,
      ...STOCK_WITHOUT_AVAILABLE,
      ...renameEverywhere(root, 'InventoryReserved', 'InventoryHeld', ['libs', 'apps']),
    ]);
  });

  it('fails', () => {
    expect(result.ok).toBe(false);
  });

  it('a changed route: names the route the consumer calls', () => {
    expect(result.mismatches.join('\n')).toMatch(/order-service and product-service.*the products of a basket \(GET \/v1\/products\/batch\): expected 200 but was [45]\d\d/);
  });

  it('a removed field: names the field', () => {
    expect(result.mismatches.join('\n')).toMatch(/product-service and product-service.*StockChanged v1 on product\.events: \$\.payload .*available/);
  });

  it('a renamed message type: names the type field and both names', () => {
    expect(result.mismatches.join('\n')).toMatch(/order-service and product-service.*InventoryReserved v1 on order\.saga\.replies: \$\.type .*InventoryReserved.*InventoryHeld|InventoryHeld.*InventoryReserved/);
  });

  it('fails only the interactions it broke', () => {
    const broken = new Set(result.mismatches.map((line) => /- (.+?)(?: \(| *:)/.exec(line)?.[1]));
    expect([...broken].sort()).toEqual(['InventoryReserved v1 on order.saga.replies', 'StockChanged v1 on product.events', 'a batch naming an unknown product', 'the products of a basket']);
  });
});
