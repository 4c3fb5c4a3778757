#!/usr/bin/env node
// Can these versions run together? The contract gate of deploy/argocd/promote.sh, without a
// Pact Broker: git is the broker (a version's pacts are contracts/ at its release tag).
//
//   node tools/contracts/can-deploy.js <env> <current-tags-file> <next-tags-file>
//
// Each tags file has lines "<service> <tag>": what <env> runs now, and after the promotion.
// For every pact between two services where either changes version, the provider's version
// after the promotion is verified (its own provider test, from its own source) against the pact
// of the consumer version that will run beside it. Any failure: exit 1, naming the consumer,
// the interaction and the field or route; the promotion is refused.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { checkout, describeSource, pactsAt, sourceOf, verifyAt } = require('./provider-source');

function readTags(file) {
  return new Map(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields.length === 2 && fields[0]),
  );
}

/** The pact text a service's current version has with a provider, if its source is known. */
function currentPact(current, consumer, file) {
  try {
    return current.has(consumer) ? pactsAt(sourceOf(current.get(consumer))).get(file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The verifications this change needs: one per provider version, with the consumer pacts it must
 * satisfy. A pact is skipped only when neither side changes, or when the provider stays and the
 * consumer's new version states the very same pact as the one running beside it (that pair is
 * deployed together already, as a broker's matrix would say).
 */
function plan(current, next) {
  const changed = [...next].filter(([service, tag]) => current.get(service) !== tag).map(([service]) => service);
  if (changed.length === 0) return { changed, jobs: [] };
  const sources = new Map([...next].map(([service, tag]) => [service, sourceOf(tag)]));
  const jobs = new Map();
  for (const [consumer, source] of sources) {
    for (const [file, text] of pactsAt(source)) {
      const pact = JSON.parse(text);
      if (pact.consumer.name !== consumer) continue; // another service's pact at this version
      const provider = pact.provider.name;
      if (!sources.has(provider)) throw new Error(`${consumer} ${source.version} has a pact with ${provider}, which does not run in this environment`);
      if (!changed.includes(consumer) && !changed.includes(provider)) continue;
      if (!changed.includes(provider) && currentPact(current, consumer, file) === text) continue;
      const job = jobs.get(provider) ?? { provider, source: sources.get(provider), pacts: [] };
      job.pacts.push({ consumer, version: source.version, file, text });
      jobs.set(provider, job);
    }
  }
  return { changed, jobs: [...jobs.values()] };
}

function verify(job, scratch) {
  const dir = fs.mkdtempSync(path.join(scratch, `${job.provider}-`));
  const files = job.pacts.map(({ file, text }) => {
    const target = path.join(dir, file);
    fs.writeFileSync(target, text);
    return target;
  });
  const tree = job.source.tree ? { root: job.source.tree, remove() {} } : checkout(job.source.commit);
  try {
    return verifyAt(tree.root, job.provider, files, { quiet: true });
  } finally {
    tree.remove();
  }
}

function main([env, currentFile, nextFile]) {
  if (!env || !currentFile || !nextFile) {
    console.error('usage: can-deploy.js <env> <current-tags-file> <next-tags-file>');
    return 64;
  }
  const { changed, jobs } = plan(readTags(currentFile), readTags(nextFile));
  if (changed.length === 0) {
    console.log(`contracts: no service changes version in ${env}; nothing to verify`);
    return 0;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ecotrack-can-deploy-'));
  const broken = [];
  try {
    for (const job of jobs) {
      const consumers = job.pacts.map(({ consumer, version }) => `${consumer} ${version}`).join(', ');
      console.log(`contracts: verifying ${job.provider} ${describeSource(job.source)} against the pacts of ${consumers}`);
      const result = verify(job, scratch);
      if (result.ok) {
        console.log(`contracts:   ok`);
        continue;
      }
      for (const line of result.mismatches.length ? result.mismatches : [result.output.split('\n').slice(-30).join('\n')]) console.log(`contracts:   ${line}`);
      // The consumers whose interactions failed (all of them when the run failed before any verdict).
      const failed = job.pacts.filter(({ consumer }) => result.mismatches.some((line) => line.startsWith(`Verifying a pact between ${consumer} and `)));
      const named = (failed.length ? failed : job.pacts).map(({ consumer, version }) => `${consumer} ${version}`).join(', ');
      broken.push(`${job.provider} ${job.source.version} breaks ${named}`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (broken.length) {
    console.error(`contracts: ${env} would run versions that do not keep their contracts:\n  ${broken.join('\n  ')}`);
    return 1;
  }
  console.log(`contracts: every pact between the versions ${env} would run is verified (${changed.join(', ')} changed)`);
  return 0;
}

module.exports = { plan };
if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (error) {
    console.error(`contracts: ${error.message}`);
    process.exit(1);
  }
}
