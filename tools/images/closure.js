#!/usr/bin/env node
'use strict';
// What one service's image must hold, traced from its compiled code (dist/, after `npm run build`):
//   node tools/images/closure.js <service> <out-dir>    lay out <out-dir>/app (code) and <out-dir>/deps (node_modules)
//   node tools/images/closure.js <service> --list       print the npm packages (name@version path), one a line
// Files: from the service's entry points (main.js, and entities.js + the data-source options that
// tools/run/migrate.js loads) every relative require(), transitively; so only the libs it imports.
// Packages: every bare require() of those files, then each package's dependencies, optionalDependencies
// (when installed), peerDependencies (optional ones when the root package.json's dependencies name
// them: loaded by name at run time, e.g. typeorm's pg), resolved as Node resolves them (node_modules
// upwards from the requiring package). Nothing is bundled: OpenTelemetry's instrumentations hook
// module loading (require-in-the-middle) and need the real pg, ioredis and kafkajs modules.
// Output files are hard links into the workspace (no copy, no network); Docker/podman copy them.
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const BUILTINS = new Set(builtinModules);
// The scripts the image carries besides the service, at the same path under /app (the image's
// WORKDIR): `node tools/run/migrate.js <service>` runs there as in the repo (Dockerfile's header says why).
const SCRIPTS = ['tools/run/migrate.js', 'tools/k8s/wait-for.js'];

/** The module specifiers a CommonJS file loads: require('x') and import('x') with a literal. */
function specifiers(source) {
  const found = new Set();
  const re = /\b(?:require|import)\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) found.add(m[2]);
  return [...found];
}

/** '@scope/name/sub' -> '@scope/name', 'name/sub' -> 'name'; undefined for relative, absolute and builtins. */
function packageName(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? undefined : name;
}

function resolveFile(base) {
  for (const candidate of [base, `${base}.js`, `${base}.json`, path.join(base, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * The workspace files reachable from `entries` through relative requires, and the packages they load
 * (name -> the first file that loads it). An unresolvable relative require is an error.
 */
function traceFiles(entries) {
  const files = new Set();
  const packages = new Map();
  const todo = [...entries];
  while (todo.length) {
    const file = todo.pop();
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.js')) continue;
    for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
      const name = packageName(spec);
      if (name) {
        if (!packages.has(name)) packages.set(name, file);
      } else if (spec.startsWith('.')) {
        const target = resolveFile(path.resolve(path.dirname(file), spec));
        if (!target) throw new Error(`${file}: cannot resolve require('${spec}')`);
        todo.push(target);
      }
    }
  }
  return { files, packages };
}

/** Where Node finds package `name` from directory `from`: the nearest node_modules/<name> upwards, not above `root`. */
function findPackage(name, from, root) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
  }
}

/**
 * The installed package directories needed by `roots` (name -> the directory that requires it),
 * with their dependencies, transitively. A missing required dependency is an error.
 * An optional peer is loaded by its host only when present (typeorm loads its driver pg, Nest loads
 * class-validator and class-transformer, by name at run time): it is kept when the workspace
 * declares it (`declared`: the production dependencies of the root package.json).
 * Returns Map<dir, {name, version}>.
 */
function tracePackages(roots, root, declared = new Set()) {
  const dirs = new Map();
  const missing = [];
  const todo = [...roots].map(([name, from]) => ({ name, from: path.dirname(from), optional: false, by: from }));
  while (todo.length) {
    const { name, from, optional, by } = todo.pop();
    const dir = findPackage(name, from, root);
    if (!dir) {
      if (!optional) missing.push(`${name} (required by ${path.relative(root, by) || by})`);
      continue;
    }
    // Type declarations only (e.g. @types/pg, a dependency of instrumentation-pg): never require()d.
    if (name.startsWith('@types/') || dirs.has(dir)) continue;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    dirs.set(dir, { name, version: manifest.version });
    const optionalPeers = manifest.peerDependenciesMeta ?? {};
    const next = [
      ...Object.keys(manifest.dependencies ?? {}).map((n) => [n, Boolean(manifest.optionalDependencies?.[n])]),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((n) => [n, true]),
      ...Object.keys(manifest.peerDependencies ?? {})
        .filter((n) => !optionalPeers[n]?.optional || declared.has(n))
        .map((n) => [n, Boolean(optionalPeers[n]?.optional)]),
    ];
    for (const [dep, isOptional] of next) todo.push({ name: dep, from: dir, optional: isOptional, by: dir });
  }
  if (missing.length) throw new Error(`missing packages: ${[...new Set(missing)].join(', ')}`);
  return dirs;
}

/** Everything one service's image needs: { files, packages } (absolute paths under `root`). */
function closure(service, root) {
  const app = path.join(root, 'dist/apps', service, 'src');
  const main = path.join(app, 'main.js');
  if (!fs.existsSync(main)) throw new Error(`no ${path.relative(root, main)}: unknown service, or run \`npm run build\` first`);
  const entries = [main, path.join(app, 'entities.js'), path.join(root, 'dist/libs/platform/src/database/data-source-options.js')]
    .concat(SCRIPTS.map((s) => path.join(root, s)))
    .filter((f) => fs.existsSync(f));
  const { files, packages } = traceFiles(entries);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return { files, packages: tracePackages(packages, root, new Set(Object.keys(manifest.dependencies ?? {}))) };
}

/** Hard-link (or copy across file systems) `src` to `dst`, symlinks as symlinks. */
function place(src, dst) {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  const stat = fs.lstatSync(src);
  if (stat.isSymbolicLink()) return fs.symlinkSync(fs.readlinkSync(src), dst);
  try {
    fs.linkSync(src, dst);
  } catch (error) {
    if (error.code !== 'EXDEV') throw error;
    fs.copyFileSync(src, dst);
  }
}

// What no running service reads from a package: type declarations, TypeScript sources, source maps
// (about 60 of 120 MB) and markdown. Licence files stay.
const NOT_AT_RUN_TIME = /(\.d\.[cm]?ts|\.[cm]?ts|\.map|\.md|\.markdown)$/i;

/** Whether an installed file is left out of an image (see NOT_AT_RUN_TIME). */
function runtimeFile(name) {
  return !NOT_AT_RUN_TIME.test(name);
}

/** A package directory without its own node_modules (nested packages are traced, and placed, on their own). */
function placeTree(src, dst) {
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    if (!entry.isDirectory() && !runtimeFile(entry.name)) continue;
    const from = path.join(src, entry.name);
    if (entry.isDirectory()) placeTree(from, path.join(dst, entry.name));
    else place(from, path.join(dst, entry.name));
  }
}

/** out/app: the service's code laid out as in the repo, plus /app/main.js; out/deps/node_modules: its packages. */
function layOut(service, root, out) {
  const { files, packages } = closure(service, root);
  fs.rmSync(out, { recursive: true, force: true });
  // The service's own compiled files are copied, not linked: the next build writes dist/ in place
  // (tsc emits, tsc-alias rewrites), and through a shared inode it would rewrite the image's copy
  // too, with paths resolved for the wrong place.
  for (const file of files) {
    const target = path.join(out, 'app', path.relative(root, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
  }
  fs.symlinkSync(`dist/apps/${service}/src/main.js`, path.join(out, 'app', 'main.js'));
  for (const dir of packages.keys()) placeTree(dir, path.join(out, 'deps', path.relative(root, dir)));
  return { files, packages };
}

if (require.main === module) {
  const [service, target] = process.argv.slice(2);
  if (!service || !target) {
    console.error('usage: closure.js <service> <out-dir> | closure.js <service> --list');
    process.exit(64);
  }
  const root = path.resolve(__dirname, '../..');
  try {
    if (target === '--list') {
      const { packages } = closure(service, root);
      for (const [dir, { name, version }] of [...packages].sort((a, b) => a[0].localeCompare(b[0]))) {
        console.log(`${name}@${version} ${path.relative(root, dir)}`);
      }
    } else {
      const { files, packages } = layOut(service, root, path.resolve(target));
      console.log(`${service}: ${files.size} files, ${packages.size} packages -> ${target}`);
    }
  } catch (error) {
    console.error(`closure: ${service}: ${error.message}`);
    process.exit(1);
  }
}

module.exports = { SCRIPTS, specifiers, packageName, traceFiles, findPackage, tracePackages, runtimeFile, closure, layOut };
