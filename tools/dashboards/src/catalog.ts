/**
 * The metric names the dashboards may query: the catalog every part of issue 16 agreed on
 * (docs/observability/dashboards.md). A panel asking for a name that is not here is a typo or
 * a metric nobody exports; tests/repo/dashboards.spec.ts holds every query to this list.
 * Histograms are listed by their base name; their _bucket, _sum and _count series count as it.
 */
export const HISTOGRAMS = [
  'http_server_request_duration_seconds',
  'nodejs_gc_duration_seconds',
  'ecotrack_saga_duration_seconds',
  'ecotrack_payment_provider_request_duration_seconds',
  'ecotrack_notification_delivery_seconds',
  'ecotrack_db_query_duration_seconds',
] as const;

export const METRICS: ReadonlySet<string> = new Set([
  ...HISTOGRAMS,
  // prom-client's default process and Node.js metrics (the ones the dashboards use)
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_external_memory_bytes',
  // libs/events
  'ecotrack_outbox_backlog',
  'ecotrack_outbox_oldest_age_seconds',
  'ecotrack_outbox_published_total',
  'ecotrack_outbox_publish_failures_total',
  'ecotrack_messages_consumed_total',
  'ecotrack_dead_letters_total',
  'ecotrack_consumer_lag',
  'ecotrack_consumer_restarts_total',
  'ecotrack_consumer_in_group',
  // libs/saga
  'ecotrack_saga_started_total',
  'ecotrack_saga_finished_total',
  'ecotrack_saga_compensations_total',
  'ecotrack_saga_stuck',
  'ecotrack_saga_failed',
  'ecotrack_saga_timeouts_total',
  'ecotrack_saga_replies_ignored_total',
  'ecotrack_saga_resumed_total',
  // product-service
  'ecotrack_cache_requests_total',
  // user-service
  'ecotrack_user_registrations_total',
  'ecotrack_user_logins_total',
  'ecotrack_user_email_verifications_total',
  // order-service
  'ecotrack_order_quotes_total',
  'ecotrack_orders_placed_total',
  'ecotrack_orders_confirmed_total',
  'ecotrack_orders_rejected_total',
  'ecotrack_orders_cancelled_total',
  'ecotrack_revenue_minor_units_total',
  'ecotrack_carbon_footprint_sold_kilograms_total',
  // payment-service
  'ecotrack_payments_total',
  'ecotrack_refunded_minor_units_total',
  // notification-service
  'ecotrack_notifications_total',
  // libs/platform database
  'ecotrack_db_pool_connections',
  'ecotrack_db_pool_waiting_requests',
  'ecotrack_db_pool_max_connections',
  'ecotrack_db_slow_queries_total',
]);

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (functions, keywords, labels and strings left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = [...bare.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]).filter((w) => !PROMQL_WORDS.has(w.toLowerCase()));
  return [...new Set(names)];
}

/** Whether a selected series name belongs to the catalog (a histogram's _bucket/_sum/_count included). */
export function inCatalog(name: string): boolean {
  const histogram = name.replace(/_(bucket|sum|count)$/, '');
  return METRICS.has(name) || (HISTOGRAMS as readonly string[]).includes(histogram);
}
