#!/usr/bin/env node
// Waits until every dependency answers, for Kubernetes init containers (the image has
// node but no shell tools). Usage:
//   node tools/k8s/wait-for.js [--timeout=SECONDS] TARGET...
// TARGET is one of
//   postgres://host:port/...  PostgreSQL answers an SSLRequest ('S' or 'N'; postgresql:// too)
//   redis://host:port         Redis answers a PING (+PONG, or an error such as NOAUTH: still Redis)
//   rediss://host:port        the same over TLS (reachability only: no credential is sent)
//   kafka://host:port[,...]   each broker answers an ApiVersions request
//   http://host:port/path     a GET answers 2xx (e.g. another service's /health/ready; https too)
//   tcp://host:port           a TCP connection succeeds (only where nothing intercepts it: a proxy
//                             such as an Istio sidecar accepts at once, whether upstream is up or not)
//   env:NAME                  the variable holds one of the URLs above (postgresql://, redis://, ...);
//                             a comma-separated host:port list without a scheme is tcp
//   kafka:env:NAME            the variable holds a Kafka broker list, host:port[,host:port] (KAFKA_BROKERS)
// A variable's value is never printed. Each check speaks the dependency's own protocol because
// behind a sidecar a bare connect always succeeds: only an answer proves the server is there.
// Exits 0 when all answer, 1 at the deadline (default 300 s), 64 on bad usage.
'use strict';
const net = require('node:net');
const tls = require('node:tls');
const http = require('node:http');
const https = require('node:https');

const DEFAULT_PORTS = { 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'rediss:': 6379, 'kafka:': 9092, 'http:': 80, 'https:': 443 };
const PROTOCOLS = { 'postgres:': 'postgres', 'postgresql:': 'postgres', 'redis:': 'redis', 'rediss:': 'rediss', 'kafka:': 'kafka', 'tcp:': 'tcp', 'http:': 'http', 'https:': 'http' };
const TIMEOUT_MS = 3000;

function parseArgs(argv) {
  let timeout = 300;
  const targets = [];
  for (const arg of argv) {
    const match = /^--timeout=(\d+)$/.exec(arg);
    if (match) timeout = Number(match[1]);
    else targets.push(arg);
  }
  return { timeout, targets };
}

/** host:port[,host:port] into checks of one protocol. */
function hostList(value, protocol, label) {
  return value.split(',').map((pair) => {
    const [host, port] = pair.trim().split(':');
    if (!host || !Number(port)) throw new Error(`${label}: expected host:port[,host:port]`);
    return { label: `${label} (${host}:${port})`, protocol, host, port: Number(port) };
  });
}

/** One URL into checks ({ label, protocol, host, port, url }). `label` hides what must not be printed. */
function urlChecks(value, label) {
  const url = new URL(value);
  const protocol = PROTOCOLS[url.protocol];
  if (!protocol) throw new Error(`${label}: unsupported scheme ${url.protocol}`);
  if (protocol === 'kafka') return hostList(value.slice('kafka://'.length).replace(/\/.*$/, ''), 'kafka', label);
  const port = Number(url.port) || DEFAULT_PORTS[url.protocol];
  if (!port) throw new Error(`${label}: no port`);
  // A literal target is shown without its login or query; a variable's only as host and port.
  const shown = label === value ? `${url.protocol}//${url.hostname}:${port}${protocol === 'http' ? url.pathname : ''}` : `${label} (${url.hostname}:${port})`;
  return [{ label: shown, protocol, host: url.hostname, port, url: protocol === 'http' ? value : undefined }];
}

/**
 * The checks the TARGETs stand for, without running them: [{ label, protocol, host, port, url }],
 * protocol one of postgres, redis, rediss, kafka, http, tcp. Also what the chart's tests read
 * (tools/k8s/test/mesh-agreement.int-spec.ts), with the environment the pod spec gives.
 */
function plan(targets, env = process.env) {
  return targets.flatMap((target) => {
    const fromEnv = /^(kafka:)?env:(.+)$/.exec(target);
    if (fromEnv) {
      const name = fromEnv[2];
      const value = env[name];
      if (!value) throw new Error(`${name} is not set`);
      if (fromEnv[1]) return hostList(value, 'kafka', name);
      return value.includes('://') ? urlChecks(value, name) : hostList(value, 'tcp', name);
    }
    return urlChecks(target, target);
  });
}

/**
 * Connects, sends `request` (if any) and resolves once `answered(bytes)` says the bytes read so
 * far are a whole valid answer (true), rejects when they are a wrong one (a string: why), or when
 * the peer closes first: what a sidecar does when nothing is behind it.
 */
function exchange({ host, port, secure }, request, answered) {
  return new Promise((resolve, reject) => {
    // Reachability only over TLS: nothing secret is sent, so the certificate is not checked here.
    const socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false, timeout: TIMEOUT_MS })
      : net.connect({ host, port, timeout: TIMEOUT_MS });
    let received = Buffer.alloc(0);
    const done = (error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (!request) return done();
      socket.write(request);
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const verdict = answered(received);
      if (verdict === true) done();
      else if (typeof verdict === 'string') done(new Error(verdict));
    });
    socket.once('timeout', () => done(new Error('timeout')));
    socket.once('end', () => done(new Error('connection closed without an answer')));
    socket.once('error', done);
  });
}

/** PostgreSQL: SSLRequest (length 8, code 80877103); the server answers one byte, S or N. */
function postgres(check) {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  return exchange(check, request, (bytes) => (bytes[0] === 0x53 || bytes[0] === 0x4e ? true : `not PostgreSQL (answered 0x${bytes[0].toString(16)})`));
}

/** Redis: PING; +PONG, or -NOAUTH/-ERR from a server that wants a login (still Redis). */
function redis(check) {
  return exchange(check, Buffer.from('PING\r\n'), (bytes) => {
    if (!bytes.includes(0x0a)) return undefined;
    return bytes[0] === 0x2b || bytes[0] === 0x2d ? true : 'not Redis';
  });
}

/** Kafka: ApiVersions v0 (api key 18); the answer carries our correlation id. */
function kafka(check) {
  const clientId = Buffer.from('wait-for');
  const correlationId = 0x77616974;
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  request.writeInt32BE(request.length - 4, 0);
  request.writeInt16BE(18, 4);
  request.writeInt16BE(0, 6);
  request.writeInt32BE(correlationId, 8);
  request.writeInt16BE(clientId.length, 12);
  clientId.copy(request, 14);
  return exchange(check, request, (bytes) => {
    if (bytes.length < 8) return undefined;
    return bytes.readInt32BE(4) === correlationId ? true : 'not Kafka (wrong correlation id)';
  });
}

function get(url) {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? https : http).get(url, { timeout: TIMEOUT_MS }, (response) => {
      response.resume();
      if (response.statusCode >= 200 && response.statusCode < 300) resolve();
      else reject(new Error(`HTTP ${response.statusCode}`));
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', reject);
  });
}

/** Runs one planned check once. */
function probe(check) {
  switch (check.protocol) {
    case 'postgres':
      return postgres(check);
    case 'redis':
      return redis(check);
    case 'rediss':
      return redis({ ...check, secure: true });
    case 'kafka':
      return kafka(check);
    case 'http':
      return get(check.url);
    default:
      return exchange(check, undefined, () => true);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const { timeout, targets } = parseArgs(process.argv.slice(2));
  if (targets.length === 0) {
    console.error('usage: wait-for.js [--timeout=SECONDS] postgres://… | redis://… | kafka://… | http://… | tcp://… | env:NAME | kafka:env:NAME ...');
    process.exit(64);
  }
  let checks;
  try {
    checks = plan(targets);
  } catch (error) {
    console.error(`[wait-for] ${error.message}`);
    process.exit(64);
  }
  const deadline = Date.now() + timeout * 1000;
  for (const check of checks) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await probe(check);
        console.log(`[wait-for] ${check.label}: up`);
        break;
      } catch (error) {
        if (Date.now() >= deadline) {
          console.error(`[wait-for] ${check.label}: still down after ${timeout} s (${error.message})`);
          process.exit(1);
        }
        console.log(`[wait-for] ${check.label}: ${error.message}, retrying (attempt ${attempt})`);
        await sleep(Math.min(1000 * 2 ** Math.min(attempt - 1, 3), 5000));
      }
    }
  }
}

module.exports = { plan, probe };

if (require.main === module) void main();
