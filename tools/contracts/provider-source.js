// A service version's source, and its provider verification run from that source: what the
// promotion gate (can-deploy.js) and the contract tests' negative proofs share.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const git = (args, cwd = ROOT) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The version this checkout builds (its images carry it as their tag). */
const treeVersion = (root = ROOT) => JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/**
 * Where a version's code is: the release tag `v<version>` (or a commit, for images tagged by
 * commit), else this checkout when it is that version. Returns { version, commit } or
 * { version, tree }; throws when the version has no source here.
 */
function sourceOf(version, root = ROOT) {
  for (const ref of [`refs/tags/v${version}`, ...(/^[0-9a-f]{7,40}$/.test(version) ? [version] : [])]) {
    try {
      return { version, commit: git(['rev-parse', '-q', '--verify', `${ref}^{commit}`], root) };
    } catch {
      // not this kind of ref
    }
  }
  if (version === treeVersion(root)) return { version, tree: root };
  throw new Error(`no source for version ${version}: tag its release commit v${version} (git tag v${version} <commit>)`);
}

const describeSource = (source) => `${source.version} (${source.commit ? source.commit.slice(0, 12) : 'this checkout'})`;

/** The committed pact files of a source: name -> JSON text. */
function pactsAt(source) {
  if (source.tree) {
    const dir = path.join(source.tree, 'contracts');
    if (!fs.existsSync(dir)) return new Map();
    return new Map(fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  }
  const listed = git(['ls-tree', '--name-only', source.commit, 'contracts/']).split('\n').filter((f) => f.endsWith('.json'));
  return new Map(listed.map((file) => [path.basename(file), git(['show', `${source.commit}:${file}`])]));
}

/**
 * A checkout of a commit beside this one's node_modules (and ../shared), for running its tests:
 * `{ root, remove() }`. The caller edits it freely (the negative proofs do).
 */
function checkout(commit) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ecotrack-source-'));
  const root = path.join(base, 'ecotrack');
  git(['worktree', 'add', '--detach', '--force', root, commit]);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // This checkout's build as a start: tsc is incremental, so only what differs compiles again.
  const built = path.join(ROOT, 'dist');
  if (fs.existsSync(path.join(built, '.tsbuildinfo'))) fs.cpSync(built, path.join(root, 'dist'), { recursive: true, filter: (file) => !file.startsWith(path.join(built, 'contracts')) });
  const shared = path.resolve(ROOT, '../shared');
  if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(base, 'shared'), 'dir');
  return {
    root,
    remove() {
      try {
        git(['worktree', 'remove', '--force', root]);
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Runs a provider's verification (tests/contracts/providers/<provider>.pact-spec.ts) from a source
 * tree against the given pact files, on this checkout's running infrastructure. Returns
 * { ok, mismatches, output }: mismatches are the verifier's lines naming field or route.
 */
function verifyAt(root, provider, pactFiles, { quiet = false } = {}) {
  const spec = path.join('tests', 'contracts', 'providers', `${provider}.pact-spec.ts`);
  if (!fs.existsSync(path.join(root, spec))) return { ok: false, mismatches: [`${root} has no ${spec}: this version cannot be verified`], output: '' };
  const run = spawnSync(process.execPath, ['node_modules/jest/bin/jest.js', '-c', 'jest.config.ts', spec, '--selectProjects', 'pact-provider', '--runInBand', '--ci'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      ECOTRACK_PACT_URLS: pactFiles.join(','),
      // The infrastructure (and its state) of this checkout, whichever source runs.
      ECOTRACK_STATE_DIR: process.env.ECOTRACK_STATE_DIR ?? path.join(ROOT, '.stack'),
      PACT_DO_NOT_TRACK: 'true',
    },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  if (!quiet && run.status !== 0) process.stderr.write(output);
  const mismatches = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('Verifying a pact between'));
  return { ok: run.status === 0, mismatches: [...new Set(mismatches)], output };
}

module.exports = { ROOT, checkout, describeSource, pactsAt, sourceOf, treeVersion, verifyAt };
