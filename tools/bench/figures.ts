import { SAGA_LEVELS, type OrdersResult } from './orders';
import type { ColdStart } from './cold-start';
import type { Idle } from './idle';
import type { ReadResult } from './read';
import { round } from './stats';

/** One line of the table: a figure, its baseline of the same run, and the target. */
export interface Figure {
  measure: string;
  value: number;
  unit: string;
  baseline?: string;
  ratio?: string;
  target: string;
  /** Whether the target is met; undefined when the figure has none. */
  met?: boolean;
  stretch?: boolean;
}

const pct = (value: number) => `${round(value * 100, 1)} %`;

export function readFigures(read: ReadResult): Figure[] {
  const { service, bare, telemetryOff } = read;
  const share = service.max.requestsPerSecond / bare.max.requestsPerSecond;
  const cost = 1 - service.max.requestsPerSecond / telemetryOff.max.requestsPerSecond;
  return [
    {
      measure: 'GET /v1/products/{id} (cached), max throughput (2xx/s)',
      value: service.max.requestsPerSecond,
      unit: 'req/s',
      baseline: `bare Fastify, same body: ${bare.max.requestsPerSecond} req/s`,
      ratio: pct(share),
      target: '≥ 50 % of bare Fastify (stretch 70 %)',
      met: share >= 0.5,
      stretch: share >= 0.7,
    },
    {
      measure: `the same at half its maximum (${service.half.rate} req/s): p50`,
      value: service.half.p50Ms,
      unit: 'ms',
      baseline: `bare Fastify at ${bare.half.rate} req/s: p50 ${bare.half.p50Ms} ms`,
      target: '',
    },
    {
      measure: `the same at half its maximum (${service.half.rate} req/s): p99`,
      value: service.half.p99Ms,
      unit: 'ms',
      baseline: `bare Fastify at ${bare.half.rate} req/s: p99 ${bare.half.p99Ms} ms`,
      target: '≤ 10 ms',
      met: service.half.p99Ms <= 10,
    },
    {
      measure: 'telemetry cost (throughput on vs OTEL_SDK_DISABLED=true)',
      value: round(cost * 100, 1),
      unit: '%',
      baseline: `on ${service.max.requestsPerSecond} req/s, off ${telemetryOff.max.requestsPerSecond} req/s`,
      ratio: pct(service.max.requestsPerSecond / telemetryOff.max.requestsPerSecond),
      target: '≤ 15 %',
      met: cost <= 0.15,
    },
  ];
}

export function orderFigures(orders: OrdersResult): Figure[] {
  const busiest = orders.levels[orders.levels.length - 1];
  const ceiling = orders.pgbench.tps / busiest.commitsPerOrder;
  const share = busiest.confirmedPerSecond / ceiling;
  const lone = orders.levels[0];
  const figures: Figure[] = [
    {
      measure: `confirmed orders/s, ${busiest.customers} customers (rate limits on)`,
      value: busiest.confirmedPerSecond,
      unit: 'orders/s',
      baseline: `ceiling ${round(ceiling, 1)} orders/s = pgbench -N ${round(orders.pgbench.tps, 0)} tps / ${busiest.commitsPerOrder} commits per order`,
      ratio: pct(share),
      target: '≥ 25 % of the ceiling (stretch 50 %)',
      met: share >= 0.25,
      stretch: share >= 0.5,
    },
    {
      measure: 'commits per confirmed order (pg_stat_database, five databases)',
      value: busiest.commitsPerOrder,
      unit: 'commits',
      baseline: `the idle services' ${orders.idleCommitsPerSecond} commits/s taken out`,
      target: '',
    },
    { measure: 'placement (POST /v1/orders → 202), 1 customer: p50', value: lone.placementP50Ms, unit: 'ms', target: '' },
  ];
  for (const level of orders.levels) {
    const limit = level.customers === 1 ? 300 : level.customers === SAGA_LEVELS[SAGA_LEVELS.length - 1] ? 1_000 : undefined;
    for (const [q, value] of [['p50', level.sagaP50Ms], ['p95', level.sagaP95Ms], ['p99', level.sagaP99Ms]] as const) {
      const targeted = q === 'p95' && limit !== undefined;
      figures.push({
        measure: `saga (202 → CONFIRMED), ${level.customers} customer${level.customers > 1 ? 's' : ''}: ${q}`,
        value,
        unit: 'ms',
        baseline: q === 'p50' ? `${level.confirmed} confirmed, ${level.rejected} rejected, ${level.undecided} undecided; placement p50 ${level.placementP50Ms} ms` : undefined,
        target: targeted ? `≤ ${limit} ms` : '',
        met: targeted ? value <= limit : undefined,
      });
    }
  }
  return figures;
}

export function serviceFigures(coldStarts: ColdStart[], idle: Idle[]): Figure[] {
  return [
    ...coldStarts.map((start) => ({
      measure: `cold start to ready: ${start.service}`,
      value: start.readyMs,
      unit: 'ms',
      baseline: `live after ${start.liveMs} ms`,
      target: '≤ 2000 ms',
      met: start.readyMs <= 2_000,
    })),
    ...idle.flatMap((one) => [
      { measure: `idle CPU: ${one.service}`, value: one.cpuPercent, unit: '% of a core', target: '≤ 1 %', met: one.cpuPercent <= 1 },
      { measure: `idle RSS: ${one.service}`, value: one.rssMiB, unit: 'MiB', target: '≤ 120 MiB (stretch 100)', met: one.rssMiB <= 120, stretch: one.rssMiB <= 100 },
    ]),
  ];
}
