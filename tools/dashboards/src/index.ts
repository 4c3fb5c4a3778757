import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { business } from './business';
import { database } from './database';
import { kafkaSaga } from './kafka-saga';
import { overview } from './overview';
import { SERVICES } from './panels';
import { serviceDashboard } from './service';

export { inCatalog, metricNames, METRICS } from './catalog';
export { emptyWhenOf, EMPTY_WHEN, SERVICES, type ServiceName } from './panels';

/** Every dashboard, by the file name it is written to (<name>.json). */
export function dashboards(): Record<string, dashboard.Dashboard> {
  return {
    overview: overview(),
    ...Object.fromEntries(SERVICES.map((service) => [service, serviceDashboard(service)])),
    business: business(),
    'kafka-saga': kafkaSaga(),
    database: database(),
  };
}

/** A panel as the tests read it: its Prometheus queries typed (the SDK types queries generically). */
export interface QueryPanel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: unknown;
  targets?: { refId?: string; expr?: string }[];
  fieldConfig?: { defaults?: { unit?: string } };
}

/** The panels that query (rows left out), in layout order. */
export function queryPanels(board: dashboard.Dashboard): QueryPanel[] {
  return (board.panels ?? []).filter((panel) => panel.type !== 'row') as unknown as QueryPanel[];
}
