#!/usr/bin/env node
// The committed pacts (contracts/) and what the consumer tests write (dist/contracts/pacts):
//
//   node tools/contracts/pacts.js check     the two are the same (the suite runs it after the consumer tests)
//   node tools/contracts/pacts.js update    copy the consumer tests' pacts to contracts/ (then commit them)
//   node tools/contracts/pacts.js verified  print the pairs and interactions the provider tests verified;
//                                           fails if a committed interaction was not
//
// Providers and the promotion gate read contracts/, so a consumer change reaches them only
// through a commit: a pact nobody committed cannot gate anything.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const COMMITTED = path.join(ROOT, 'contracts');
const WRITTEN = process.env.ECOTRACK_PACT_OUTPUT_DIR || path.join(ROOT, 'dist', 'contracts', 'pacts');
const VERIFIED = path.join(ROOT, 'dist', 'contracts');

const pactFiles = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((file) => file.endsWith('.json')).sort() : []);
const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Key order does not matter to Pact; compare canonical forms. */
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]));
  return value;
}
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function differences() {
  const written = pactFiles(WRITTEN);
  if (written.length === 0) return [`no pacts in ${path.relative(ROOT, WRITTEN)}: run the consumer tests first (jest --selectProjects pact-consumer)`];
  const committed = pactFiles(COMMITTED);
  const found = [];
  for (const file of committed.filter((f) => !written.includes(f))) found.push(`${file}: committed, but no consumer test writes it any more`);
  for (const file of written.filter((f) => !committed.includes(f))) found.push(`${file}: written by the consumer tests, not committed`);
  for (const file of written.filter((f) => committed.includes(f))) {
    const mine = read(path.join(WRITTEN, file));
    const theirs = read(path.join(COMMITTED, file));
    if (same(mine, theirs)) continue;
    const byDescription = (pact) => new Map(pact.interactions.map((i) => [i.description, i]));
    const now = byDescription(mine);
    const before = byDescription(theirs);
    const changes = [
      ...[...now.keys()].filter((d) => !before.has(d)).map((d) => `+ ${d}`),
      ...[...before.keys()].filter((d) => !now.has(d)).map((d) => `- ${d}`),
      ...[...now.keys()].filter((d) => before.has(d) && !same(now.get(d), before.get(d))).map((d) => `~ ${d}`),
    ];
    found.push(`${file}: differs from the committed file${changes.length ? `\n    ${changes.join('\n    ')}` : ' (metadata)'}`);
  }
  return found;
}

function verified() {
  const files = fs.existsSync(VERIFIED) ? fs.readdirSync(VERIFIED).filter((f) => /^verified-.+\.txt$/.test(f)).sort() : [];
  const pairs = new Map();
  for (const file of files) {
    for (const line of fs.readFileSync(path.join(VERIFIED, file), 'utf8').split('\n').filter(Boolean)) {
      const [pair, interaction] = line.split(': ');
      pairs.set(pair, [...(pairs.get(pair) || []), interaction]);
    }
  }
  let total = 0;
  let unverified = 0;
  for (const file of pactFiles(COMMITTED)) {
    const pact = read(path.join(COMMITTED, file));
    const done = pairs.get(`${pact.consumer.name} -> ${pact.provider.name}`) || [];
    for (const interaction of pact.interactions.filter((i) => !done.includes(i.description))) {
      console.error(`contracts: not verified: ${pact.consumer.name} -> ${pact.provider.name}: ${interaction.description}`);
      unverified += 1;
    }
  }
  console.log('contracts verified against their real providers (consumer -> provider):');
  for (const [pair, interactions] of [...pairs].sort()) {
    total += interactions.length;
    console.log(`  ${pair} (${interactions.length})`);
    for (const interaction of interactions) console.log(`      ${interaction}`);
  }
  console.log(`contracts: ${pairs.size} pairs, ${total} interactions verified`);
  return unverified === 0 && pairs.size > 0 ? 0 : 1;
}

const command = process.argv[2];
if (command === 'check') {
  const found = differences();
  for (const line of found) console.error(`contracts: ${line}`);
  if (found.length) {
    console.error('contracts: the committed pacts are not what the consumer tests write: run `node tools/contracts/pacts.js update` and commit contracts/');
    process.exit(1);
  }
  console.log(`contracts: ${pactFiles(COMMITTED).length} committed pacts match the consumer tests`);
} else if (command === 'update') {
  const written = pactFiles(WRITTEN);
  if (written.length === 0) throw new Error('no pacts written: run the consumer tests first');
  for (const file of pactFiles(COMMITTED)) fs.rmSync(path.join(COMMITTED, file));
  fs.mkdirSync(COMMITTED, { recursive: true });
  for (const file of written) fs.copyFileSync(path.join(WRITTEN, file), path.join(COMMITTED, file));
  console.log(`contracts: ${written.length} pacts copied to contracts/`);
} else if (command === 'verified') {
  process.exit(verified());
} else {
  console.error('usage: node tools/contracts/pacts.js check|update|verified');
  process.exit(64);
}
