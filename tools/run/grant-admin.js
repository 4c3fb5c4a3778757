#!/usr/bin/env node
// Makes an existing account an admin: how an operator creates the first admin, who can then
// grant roles over the API (PUT /v1/users/{id}/roles). Usage: grant-admin.js <email>
// Reads user-service's database URL from DATABASE_URL or USER_SERVICE_DATABASE_URL.
'use strict';
const { Client } = require('pg');

async function main() {
  const email = process.argv[2];
  if (!email || !email.includes('@')) {
    console.error('usage: grant-admin.js <email of an existing account>');
    process.exit(64);
  }
  const connectionString = process.env.DATABASE_URL ?? process.env.USER_SERVICE_DATABASE_URL;
  if (!connectionString) throw new Error('no database URL (set USER_SERVICE_DATABASE_URL or DATABASE_URL)');
  const client = new Client({ connectionString, application_name: 'user-service-grant-admin' });
  await client.connect();
  try {
    // Idempotent: granting twice leaves one 'admin'. Existing sessions keep their old roles
    // until they refresh; the account's next token carries admin.
    const { rows } = await client.query(
      `UPDATE users SET roles = CASE WHEN 'admin' = ANY(roles) THEN roles ELSE array_append(roles, 'admin') END,
              updated_at = now()
        WHERE email = lower(trim($1)) RETURNING id, roles`,
      [email],
    );
    if (rows.length === 0) {
      console.error(`[grant-admin] no account with email ${email}: register it first (POST /v1/users)`);
      process.exit(1);
    }
    console.log(`[grant-admin] ${email} (${rows[0].id}) now has roles ${rows[0].roles.join(', ')}`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(`[grant-admin] failed: ${error.message}`);
  process.exit(1);
});
