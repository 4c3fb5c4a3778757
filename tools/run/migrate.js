#!/usr/bin/env node
// Applies each service's TypeORM migrations, as a step of its own (never at app
// start-up, never `synchronize`). Usage: migrate.js <service>|all
// Reads the service's database URL from DATABASE_URL (one service) or from
// <SERVICE>_DATABASE_URL (e.g. PRODUCT_SERVICE_DATABASE_URL) for `all`.
'use strict';
const path = require('node:path');
const { DataSource } = require('typeorm');

const root = path.resolve(__dirname, '../..');
const MIGRATION_LOCK = 'ecotrack:migrations';
const SERVICES = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'];
const { postgresOptions } = require(path.join(root, 'dist/libs/platform/src/database/data-source-options.js'));

async function migrate(service, url) {
  if (!url) throw new Error(`${service}: no database URL (set ${envName(service)} or DATABASE_URL)`);
  const { entities, migrations } = require(path.join(root, 'dist/apps', service, 'src/entities.js'));
  const dataSource = new DataSource(postgresOptions({ url, applicationName: `${service}-migrate`, entities, migrations }));
  await dataSource.initialize();
  // Pods of one service may start together (e.g. a migration init container in each):
  // a session advisory lock makes them take turns; the later ones find nothing to do.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((migration) => migration.name);
    console.log(`[migrate] ${service}: ${names.length ? `applied ${names.join(', ')}` : 'up to date'}`);
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}

const envName = (service) => `${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;

async function main() {
  const target = process.argv[2];
  if (!target || (target !== 'all' && !SERVICES.includes(target))) {
    console.error(`usage: migrate.js <${SERVICES.join('|')}|all>`);
    process.exit(64);
  }
  if (target === 'all') {
    for (const service of SERVICES) await migrate(service, process.env[envName(service)]);
  } else {
    await migrate(target, process.env.DATABASE_URL ?? process.env[envName(target)]);
  }
}

main().catch((error) => {
  console.error(`[migrate] failed: ${error.message}`);
  process.exit(1);
});
