import { WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { applyEdits, WITH_MORE_FIELDS, WITHOUT_CARBON, type SourceEdit } from './support/variants';

/**
 * deploy/argocd/promote.sh with its contract gate (tools/contracts/can-deploy.js), on a scratch
 * clone of this commit: a product-service release is tagged there, dev runs it, and it is
 * promoted to staging, where order-service (this commit's version) prices baskets from it.
 */
describe('promotion gate (promote.sh, contracts)', () => {
  let base: string;
  let clone: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  beforeAll(() => {
    base = mkdtempSync(path.join(tmpdir(), 'ecotrack-promotion-'));
    clone = path.join(base, 'ecotrack');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', WORKSPACE_ROOT, clone]);
    symlinkSync(path.join(WORKSPACE_ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    symlinkSync(path.resolve(WORKSPACE_ROOT, '../shared'), path.join(base, 'shared'), 'dir');
    git('config', 'user.email', 'release@ecotrack.example');
    git('config', 'user.name', 'release');
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /** A product-service release: this commit plus `edits`, tagged v<version>; the clone goes back to this commit. */
  function release(version: string, edits: SourceEdit[]): void {
    const start = git('rev-parse', 'HEAD');
    applyEdits(clone, edits);
    git('commit', '--quiet', '-am', `product-service ${version}`);
    git('tag', `v${version}`);
    git('checkout', '--quiet', start);
  }

  /** promote.sh dev -> staging of product-service <version>, with dev running it (a scratch copy of the values). */
  function promote(version: string): { status: number | null; output: string } {
    const values = mkdtempSync(path.join(base, 'values-'));
    for (const env of ['dev', 'staging', 'prod']) cpSync(path.join(clone, `helm/ecotrack/values-${env}.yaml`), path.join(values, `values-${env}.yaml`));
    const dev = YAML.parseDocument(readFileSync(path.join(values, 'values-dev.yaml'), 'utf8'));
    dev.setIn(['services', 'product-service', 'image', 'tag'], version);
    writeFileSync(path.join(values, 'values-dev.yaml'), dev.toString());
    const run = spawnSync('bash', ['deploy/argocd/promote.sh', 'dev', 'staging', '--service', 'product-service', '--tag', version, '--dry-run'], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, ECOTRACK_PROMOTE_VALUES_DIR: values, ECOTRACK_STATE_DIR: process.env.ECOTRACK_STATE_DIR ?? path.join(WORKSPACE_ROOT, '.stack') },
    });
    return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
  }

  it('refuses a product-service that dropped a field order-service reads, naming it', () => {
    release('0.2.0', WITHOUT_CARBON);
    const { status, output } = promote('0.2.0');
    expect(output).toContain('verifying product-service 0.2.0');
    expect(status).not.toBe(0);
    expect(output).toMatch(/order-service.*the products of a basket.*carbonKgCo2e/);
    // Its own cache's pact (product-service reading product-service's events) still holds.
    expect(output).toMatch(/^  product-service 0\.2\.0 breaks order-service 0\.1\.0$/m);
    expect(output).toContain('nothing written');
  });

  it('promotes a product-service that only added fields (to its products and to StockChanged), after verifying it', () => {
    release('0.3.0', WITH_MORE_FIELDS);
    const { status, output } = promote('0.3.0');
    expect(output).toContain('verifying product-service 0.3.0');
    expect(output).toContain('every pact between the versions staging would run is verified');
    expect(status).toBe(0);
  });
});
