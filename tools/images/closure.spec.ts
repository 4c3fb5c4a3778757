import { mkdtempSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closure, layOut, packageName, runtimeFile, specifiers, tracePackages, traceFiles } from './closure';

// A small workspace on disk: compiled service code under dist/, packages under node_modules.
let base: string;
let root: string;
const write = (file: string, content: string) => {
  const full = path.join(root, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
};
const pkg = (dir: string, manifest: Record<string, unknown>, main = 'module.exports = {};') => {
  write(`${dir}/package.json`, JSON.stringify(manifest));
  write(`${dir}/index.js`, main);
};
const rel = (dirs: Iterable<string>) => [...dirs].map((d) => path.relative(root, d)).sort();

beforeEach(() => {
  base = mkdtempSync(path.join(tmpdir(), 'closure-'));
  root = path.join(base, 'workspace');
  write('dist/apps/a-service/src/main.js', `"use strict";\nrequire("./instrumentation");\nconst lib = require("../../../libs/platform/src/index.js");\nconst fs = require("node:fs");\nrequire('events');`);
  write('dist/apps/a-service/src/instrumentation.js', `require("@opentelemetry/sdk-trace-node/build/src");`);
  write('dist/apps/a-service/src/entities.js', `exports.entities = [];`);
  write('dist/apps/b-service/src/main.js', `require("big-sdk");`);
  write('dist/libs/platform/src/index.js', `const pg = require('pg'); const lazy = () => import("kafkajs");`);
  write('dist/libs/platform/src/database/data-source-options.js', `require("typeorm");`);
  write('dist/libs/unused/src/index.js', `require("big-sdk");`);
  pkg('node_modules/@opentelemetry/sdk-trace-node', { version: '2.0.0', dependencies: { '@opentelemetry/core': '2.0.0' } });
  // The nested copy is the one Node loads from sdk-trace-node, not the top-level one.
  pkg('node_modules/@opentelemetry/sdk-trace-node/node_modules/@opentelemetry/core', { version: '2.0.0' });
  pkg('node_modules/@opentelemetry/core', { version: '1.0.0' });
  pkg('node_modules/pg', {
    version: '8.0.0',
    dependencies: { 'pg-types': '1', '@types/pg': '8' },
    optionalDependencies: { 'pg-native': '3' },
    peerDependencies: { 'pg-cloudflare': '1', 'pg-peer': '1' },
    peerDependenciesMeta: { 'pg-cloudflare': { optional: true } },
  });
  pkg('node_modules/pg-types', { version: '1.0.0' });
  pkg('node_modules/pg-peer', { version: '1.0.0' });
  pkg('node_modules/pg-cloudflare', { version: '1.0.0' });
  pkg('node_modules/@types/pg', { version: '8.0.0' });
  pkg('node_modules/kafkajs', { version: '2.2.4' });
  pkg('node_modules/typeorm', { version: '0.3.0', peerDependencies: { pg: '8' }, peerDependenciesMeta: { pg: { optional: true } } });
  write('package.json', JSON.stringify({ name: 'workspace', dependencies: { pg: '8', typeorm: '0.3' } }));
  pkg('node_modules/big-sdk', { version: '9.9.9' });
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('specifiers', () => {
  it('finds require() and import() of string literals, once each', () => {
    expect(specifiers(`require("a"); require('b/c'); import("d"); require(\`e\`); require("a"); require(x);`).sort()).toEqual([
      'a',
      'b/c',
      'd',
      'e',
    ]);
  });
});

describe('packageName', () => {
  it.each([
    ['pg', 'pg'],
    ['pg/lib/client', 'pg'],
    ['@opentelemetry/api', '@opentelemetry/api'],
    ['@opentelemetry/sdk-trace-node/build/src', '@opentelemetry/sdk-trace-node'],
    ['./x', undefined],
    ['../x', undefined],
    ['/abs', undefined],
    ['node:fs', undefined],
    ['events', undefined],
  ])('%s -> %s', (spec, name) => expect(packageName(spec)).toBe(name));
});

describe('traceFiles', () => {
  it('follows relative requires from the entries and collects the packages they load, and nothing else', () => {
    const { files, packages } = traceFiles([path.join(root, 'dist/apps/a-service/src/main.js')]);
    expect(rel(files)).toEqual([
      'dist/apps/a-service/src/instrumentation.js',
      'dist/apps/a-service/src/main.js',
      'dist/libs/platform/src/index.js',
    ]);
    expect([...packages.keys()].sort()).toEqual(['@opentelemetry/sdk-trace-node', 'kafkajs', 'pg']);
  });

  it('names the file whose relative require does not resolve', () => {
    write('dist/apps/a-service/src/broken.js', `require("./gone");`);
    expect(() => traceFiles([path.join(root, 'dist/apps/a-service/src/broken.js')])).toThrow(/broken\.js: cannot resolve require\('\.\/gone'\)/);
  });
});

describe('tracePackages', () => {
  const from = () => path.join(root, 'dist/libs/platform/src/index.js');

  it('resolves as Node does (nearest node_modules upwards) and follows dependencies, optional ones when installed and required peers', () => {
    const roots = new Map([
      ['@opentelemetry/sdk-trace-node', path.join(root, 'dist/apps/a-service/src/instrumentation.js')],
      ['pg', from()],
    ]);
    const dirs = tracePackages(roots, root);
    expect(rel(dirs.keys())).toEqual([
      'node_modules/@opentelemetry/sdk-trace-node',
      'node_modules/@opentelemetry/sdk-trace-node/node_modules/@opentelemetry/core',
      'node_modules/pg',
      'node_modules/pg-peer',
      'node_modules/pg-types',
    ]);
    // not the optional peer (pg-cloudflare), not the missing optional dependency (pg-native), not @types
    expect([...dirs.values()].find((p) => p.name === '@opentelemetry/core')?.version).toBe('2.0.0');
  });

  it('keeps an optional peer that the workspace declares as a production dependency (typeorm loads pg by name)', () => {
    pkg('node_modules/typeorm', {
      version: '0.3.0',
      peerDependencies: { pg: '8', mysql2: '3', ioredis: '5' },
      peerDependenciesMeta: { pg: { optional: true }, mysql2: { optional: true }, ioredis: { optional: true } },
    });
    pkg('node_modules/mysql2', { version: '3.0.0' });
    const names = (declared?: Set<string>) => [...tracePackages(new Map([['typeorm', from()]]), root, declared).values()].map((p) => p.name).sort();
    expect(names()).toEqual(['typeorm']);
    // ioredis is declared but not installed: an optional peer, so no error
    expect(names(new Set(['pg', 'ioredis', 'typeorm']))).toEqual(['pg', 'pg-peer', 'pg-types', 'typeorm']);
  });

  it('fails on a missing required dependency, naming it and who requires it', () => {
    rmSync(path.join(root, 'node_modules/pg-types'), { recursive: true });
    expect(() => tracePackages(new Map([['pg', from()]]), root)).toThrow(/missing packages: pg-types \(required by node_modules\/pg\)/);
  });

  it('does not look above the workspace root', () => {
    write('../node_modules/outside/package.json', JSON.stringify({ version: '1.0.0' }));
    expect(existsSync(path.join(base, 'node_modules/outside/package.json'))).toBe(true);
    expect(() => tracePackages(new Map([['outside', from()]]), root)).toThrow(/missing packages: outside/);
  });
});

describe('runtimeFile', () => {
  it.each(['index.js', 'index.cjs', 'index.mjs', 'package.json', 'LICENSE', 'schema.proto', 'binding.node'])('keeps %s', (f) =>
    expect(runtimeFile(f)).toBe(true),
  );
  it.each(['index.d.ts', 'index.d.mts', 'index.js.map', 'src.ts', 'src.mts', 'README.md', 'CHANGELOG.MD'])('drops %s', (f) =>
    expect(runtimeFile(f)).toBe(false),
  );
});

describe('closure and layOut', () => {
  it("holds only one service's code and packages, plus what migrate.js loads", () => {
    const { files, packages } = closure('a-service', root);
    expect(rel(files)).toContain('dist/apps/a-service/src/entities.js');
    expect(rel(files)).toContain('dist/libs/platform/src/database/data-source-options.js');
    expect(rel(files).filter((f) => f.includes('unused') || f.includes('b-service'))).toEqual([]);
    const names = [...packages.values()].map((p) => p.name);
    expect(names).toContain('typeorm');
    // the root package.json declares typeorm's optional peer pg: kept
    expect(names).toContain('pg');
    expect(names).not.toContain('big-sdk');
  });

  it('refuses an unknown or unbuilt service', () => {
    expect(() => closure('c-service', root)).toThrow(/no dist\/apps\/c-service\/src\/main\.js/);
  });

  it('lays out app/ (with main.js) and deps/node_modules without declarations, maps or nested node_modules copies', () => {
    write('node_modules/pg/index.d.ts', 'export {};');
    write('node_modules/pg/index.js.map', '{}');
    const out = path.join(root, 'out');
    layOut('a-service', root, out);
    expect(readlinkSync(path.join(out, 'app/main.js'))).toBe('dist/apps/a-service/src/main.js');
    expect(existsSync(path.join(out, 'app/dist/apps/a-service/src/main.js'))).toBe(true);
    // A copy, not a link: a later build rewriting dist/ must not reach into the image's files.
    expect(statSync(path.join(out, 'app/dist/apps/a-service/src/main.js')).nlink).toBe(1);
    expect(readdirSync(path.join(out, 'deps/node_modules/pg')).sort()).toEqual(['index.js', 'package.json']);
    expect(existsSync(path.join(out, 'deps/node_modules/@opentelemetry/sdk-trace-node/node_modules/@opentelemetry/core/package.json'))).toBe(true);
    expect(existsSync(path.join(out, 'deps/node_modules/@opentelemetry/core'))).toBe(false);
    expect(existsSync(path.join(out, 'deps/node_modules/big-sdk'))).toBe(false);
  });
});
