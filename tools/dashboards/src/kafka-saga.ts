import * as units from '@grafana/grafana-foundation-sdk/units';
import { consumerLag, ecotrackDashboard, NAMESPACE, namespaceVariable, outbox, p95, SCOPE, serviceVariable, SERVICES, singleStat, timeSeries } from './panels';

const perSecond = (metric: string, by: string, selector = SCOPE) => `sum by (${by}) (rate(${metric}{${selector}}[$__rate_interval]))`;

/** Messages in and out of Kafka, and the order saga riding on them. */
export const kafkaSaga = () =>
  ecotrackDashboard(
    'ecotrack-kafka-saga',
    'EcoTrack / Kafka and saga',
    'Outbox relays, consumers, dead letters, and the order saga: durations, compensations, stuck and failed sagas.',
    [namespaceVariable(), serviceVariable(SERVICES)],
    [
      {
        title: 'Producing (outbox)',
        panels: [
          ...outbox(8),
          timeSeries({
            title: 'Published by topic',
            description: 'Messages the outbox relays published per second, and publish failures.',
            unit: units.OpsPerSecond,
            width: 8,
            queries: [
              { expr: perSecond('ecotrack_outbox_published_total', 'service, topic'), legend: '{{service}} → {{topic}}' },
              { expr: perSecond('ecotrack_outbox_publish_failures_total', 'service'), legend: '{{service}} failures' },
            ],
          }),
        ],
      },
      {
        title: 'Consuming',
        panels: [
          consumerLag(8),
          timeSeries({
            title: 'Consumed by topic and result',
            description: 'Messages consumed per second, by topic, type and result.',
            unit: units.OpsPerSecond,
            width: 8,
            queries: [{ expr: perSecond('ecotrack_messages_consumed_total', 'service, topic, result'), legend: '{{service}} {{topic}} {{result}}' }],
          }),
          timeSeries({
            title: 'Consumers in their group',
            description: '1 while a consumer is a member of its group.',
            unit: units.Short,
            width: 8,
            queries: [{ expr: `sum by (service, group) (ecotrack_consumer_in_group{${SCOPE}})`, legend: '{{service}} {{group}}' }],
          }),
          singleStat({
            title: 'Dead letters',
            description: 'Messages sent to <topic>.dlq in the time range, by original topic.',
            unit: units.Short,
            width: 12,
            queries: [{ expr: `sum by (service, topic) (increase(ecotrack_dead_letters_total{${SCOPE}}[$__range]))`, legend: '{{service}} {{topic}}' }],
          }),
          singleStat({
            title: 'Consumer restarts',
            description: 'Consumers started anew in the time range, by group and reason (connect_failed, crash, stopped).',
            unit: units.Short,
            width: 12,
            emptyWhen: 'no consumer restarted since its service started.',
            queries: [{ expr: `sum by (group, reason) (increase(ecotrack_consumer_restarts_total{${SCOPE}}[$__range]))`, legend: '{{group}} {{reason}}' }],
          }),
        ],
      },
      {
        title: 'Order saga',
        panels: [
          timeSeries({
            title: 'Sagas started and finished',
            description: 'Sagas started, and finished by outcome, per second.',
            unit: units.OpsPerSecond,
            width: 8,
            queries: [
              { expr: perSecond('ecotrack_saga_started_total', 'saga', NAMESPACE), legend: '{{saga}} started' },
              { expr: perSecond('ecotrack_saga_finished_total', 'saga, outcome', NAMESPACE), legend: '{{saga}} {{outcome}}' },
            ],
          }),
          timeSeries({
            title: 'Saga duration p95',
            description: '95th percentile of the time from start to the final state, by saga and outcome.',
            unit: units.Seconds,
            width: 8,
            queries: [{ expr: p95('ecotrack_saga_duration_seconds', 'saga, outcome', NAMESPACE), legend: '{{saga}} {{outcome}}' }],
          }),
          timeSeries({
            title: 'Stuck and failed sagas',
            description: 'Active sagas older than SAGA_STUCK_AFTER_MS, and sagas in FAILED waiting for an operator (docs/runbooks).',
            unit: units.Short,
            width: 8,
            queries: [
              { expr: `sum by (saga) (ecotrack_saga_stuck{${NAMESPACE}})`, legend: '{{saga}} stuck' },
              { expr: `sum by (saga) (ecotrack_saga_failed{${NAMESPACE}})`, legend: '{{saga}} failed' },
            ],
          }),
          singleStat({
            title: 'Compensations by step',
            description: 'Compensating commands sent in the time range, by the step they undo.',
            unit: units.Short,
            width: 8,
            emptyWhen: 'no saga compensated a step (e.g. a payment declined after the stock was reserved).',
            queries: [{ expr: `sum by (saga, step) (increase(ecotrack_saga_compensations_total{${NAMESPACE}}[$__range]))`, legend: '{{saga}} {{step}}' }],
          }),
          singleStat({
            title: 'Step timeouts',
            description: 'Saga steps that timed out in the time range.',
            unit: units.Short,
            width: 8,
            emptyWhen: 'no saga step timed out.',
            queries: [{ expr: `sum by (saga, step) (increase(ecotrack_saga_timeouts_total{${NAMESPACE}}[$__range]))`, legend: '{{saga}} {{step}}' }],
          }),
          singleStat({
            title: 'Replies ignored',
            description: 'Saga replies that matched no awaited command (late, duplicated or reordered) in the time range.',
            unit: units.Short,
            width: 8,
            emptyWhen: 'no reply came late, twice or out of order.',
            queries: [{ expr: `sum by (saga) (increase(ecotrack_saga_replies_ignored_total{${NAMESPACE}}[$__range]))`, legend: '{{saga}}' }],
          }),
        ],
      },
    ],
  );
