import { randomBytes } from 'node:crypto';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { InfraEnv } from './infrastructure';

const SERVICES = ['user', 'product', 'order', 'payment', 'notification'];
const started: StartedTestContainer[] = [];

/**
 * Same shape of infrastructure as tools/stack, in containers. Host ports are the
 * documented ones so that services, tests and Prometheus config stay identical.
 */
export async function startContainers(): Promise<InfraEnv> {
  const secret = () => randomBytes(16).toString('hex');
  const adminPassword = secret();
  const redisPassword = secret();
  const baoToken = secret();
  const rolePasswords = Object.fromEntries(SERVICES.map((name) => [name, secret()]));

  const postgres = await new GenericContainer('postgres:15')
    .withEnvironment({ POSTGRES_USER: 'ecotrack_admin', POSTGRES_PASSWORD: adminPassword })
    .withExposedPorts({ container: 5432, host: 5432 })
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  started.push(postgres);
  for (const name of SERVICES) {
    const sql = [
      `CREATE ROLE ${name}_service LOGIN PASSWORD '${rolePasswords[name]}'`,
      `CREATE DATABASE ecotrack_${name} OWNER ${name}_service`,
      `REVOKE CONNECT ON DATABASE ecotrack_${name} FROM PUBLIC`,
    ];
    for (const statement of sql) await postgres.exec(['psql', '-U', 'ecotrack_admin', '-d', 'postgres', '-c', statement]);
  }

  const redis = await new GenericContainer('redis:7')
    .withCommand(['redis-server', '--requirepass', redisPassword, '--appendonly', 'yes'])
    .withExposedPorts({ container: 6379, host: 6379 })
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  const kafka = await new GenericContainer('apache/kafka:4.4.0')
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:9092',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withExposedPorts({ container: 9092, host: 9092 })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const openbao = await new GenericContainer('openbao/openbao:2.6.2')
    .withCommand(['server', '-dev', '-dev-listen-address=0.0.0.0:8200', `-dev-root-token-id=${baoToken}`])
    .withExposedPorts({ container: 8200, host: 8200 })
    .withWaitStrategy(Wait.forHttp('/v1/sys/health', 8200))
    .start();
  started.push(redis, kafka, openbao);

  const db = (name: string) => `postgres://${name}_service:${rolePasswords[name]}@127.0.0.1:5432/ecotrack_${name}`;
  return {
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: '5432',
    POSTGRES_ADMIN_URL: `postgres://ecotrack_admin:${adminPassword}@127.0.0.1:5432/postgres`,
    ...Object.fromEntries(SERVICES.map((name) => [`${name.toUpperCase()}_SERVICE_DATABASE_URL`, db(name)])),
    REDIS_URL: `redis://:${redisPassword}@127.0.0.1:6379`,
    KAFKA_BROKERS: '127.0.0.1:9092',
    OPENBAO_ADDR: 'http://127.0.0.1:8200',
    OPENBAO_DEV_ROOT_TOKEN: baoToken,
  };
}

export async function stopContainers(): Promise<void> {
  await Promise.all(started.splice(0).map((container) => container.stop()));
}
