#!/usr/bin/env node
// Waits until every dependency answers, for Kubernetes init containers (the image has
// node but no shell tools). Usage:
//   node tools/k8s/wait-for.js [--timeout=SECONDS] TARGET...
// TARGET is one of
//   tcp://host:port          a TCP connection succeeds
//   http://host:port/path    a GET answers 2xx (e.g. another service's /health/ready)
//   env:NAME                 the variable holds a URL (postgres://, redis://, ...) or a
//                            comma-separated host:port list (KAFKA_BROKERS): each must
//                            accept a TCP connection. The value is never printed.
// Exits 0 when all answer, 1 at the deadline (default 300 s), 64 on bad usage.
'use strict';
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');

const DEFAULT_PORTS = { 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'rediss:': 6379, 'http:': 80, 'https:': 443 };

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

/** Turns one TARGET into checks: { label, run() => Promise<void> }. */
function checksFor(target) {
  if (target.startsWith('env:')) {
    const name = target.slice(4);
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    if (value.includes('://')) {
      const url = new URL(value);
      const port = Number(url.port) || DEFAULT_PORTS[url.protocol];
      return [{ label: `${name} (${url.hostname}:${port})`, run: () => tcp(url.hostname, port) }];
    }
    return value.split(',').map((pair) => {
      const [host, port] = pair.trim().split(':');
      return { label: `${name} (${host}:${port})`, run: () => tcp(host, Number(port)) };
    });
  }
  const url = new URL(target);
  if (url.protocol === 'tcp:') return [{ label: target, run: () => tcp(url.hostname, Number(url.port)) }];
  if (url.protocol === 'http:' || url.protocol === 'https:') return [{ label: target, run: () => get(url) }];
  throw new Error(`unsupported target ${target}`);
}

function tcp(host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('timeout', () => { socket.destroy(); reject(new Error('timeout')); });
    socket.once('error', reject);
  });
}

function get(url) {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(url, { timeout: 3000 }, (response) => {
      response.resume();
      if (response.statusCode >= 200 && response.statusCode < 300) resolve();
      else reject(new Error(`HTTP ${response.statusCode}`));
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', reject);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const { timeout, targets } = parseArgs(process.argv.slice(2));
  if (targets.length === 0) {
    console.error('usage: wait-for.js [--timeout=SECONDS] tcp://host:port | http://url | env:NAME ...');
    process.exit(64);
  }
  let checks;
  try {
    checks = targets.flatMap(checksFor);
  } catch (error) {
    console.error(`[wait-for] ${error.message}`);
    process.exit(64);
  }
  const deadline = Date.now() + timeout * 1000;
  for (const check of checks) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await check.run();
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

void main();
