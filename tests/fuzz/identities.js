#!/usr/bin/env node
// Who the schema fuzzer acts as: fresh customers and one admin, registered over the API like any
// user (the admin made one with ./ecotrack grant-admin, as an operator makes the first), logged in.
// Prints one JSON object on stdout for the fuzzer's auth hook (hooks.py):
//   { "admin": token, "customers": [token...], "login": { "email", "password" } }
// The login is a spare customer's: logging out (DELETE /v1/sessions/current) is fuzzed with a
// session of its own each time, so the other tokens stay valid for the whole run.
// Several customers: each has its own per-user rate-limit budget (RATE_LIMIT_USER_PER_MINUTE).
// Usage: identities.js [customers]   (USER_SERVICE_URL, default http://127.0.0.1:3001)
'use strict';
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');

const base = process.env.USER_SERVICE_URL ?? 'http://127.0.0.1:3001';
const root = path.resolve(__dirname, '../..');
const hex = (bytes) => randomBytes(bytes).toString('hex');

/** POST JSON; a 429 is waited out (Retry-After), as a well-behaved client does. */
async function post(route, body) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status === 429 && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, (Number(response.headers.get('retry-after')) || 1) * 1000 + 200));
      continue;
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }
}

async function account(role) {
  const email = `fuzz-${role}-${hex(6)}@example.org`;
  const password = `fuzz-${hex(16)}`;
  await post('/v1/users', { email, displayName: `Fuzz ${role}`, password });
  if (role === 'admin') execFileSync(path.join(root, 'ecotrack'), ['grant-admin', email], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const { accessToken } = await post('/v1/sessions', { email, password });
  return { email, password, accessToken };
}

async function main() {
  const customers = Number(process.argv[2] ?? 3);
  const admin = await account('admin');
  const people = [];
  for (let i = 0; i < customers + 1; i++) people.push(await account('customer'));
  const spare = people.pop();
  process.stdout.write(
    JSON.stringify({ admin: admin.accessToken, customers: people.map((p) => p.accessToken), login: { email: spare.email, password: spare.password } }),
  );
}

main().catch((error) => {
  console.error(`[fuzz] could not make the fuzzer's users: ${error.message}`);
  process.exit(1);
});
