import * as units from '@grafana/grafana-foundation-sdk/units';
import { ecotrackDashboard, NAMESPACE, namespaceVariable, singleStat, timeSeries } from './panels';

const over = (metric: string, by?: string) => `sum${by ? ` by (${by})` : ''} (increase(${metric}{${NAMESPACE}}[$__range]))`;
const perSecond = (metric: string, by: string) => `sum by (${by}) (rate(${metric}{${NAMESPACE}}[$__rate_interval]))`;

/** What the business sees: orders, money, footprint, conversion, payments, notifications, users. */
export const business = () =>
  ecotrackDashboard(
    'ecotrack-business',
    'EcoTrack / Business',
    'Orders, revenue, CO2e sold, conversion, payments, notifications and users over the selected time range.',
    [namespaceVariable()],
    [
      {
        title: 'Orders',
        panels: [
          singleStat({ title: 'Orders placed', description: 'New orders accepted in the time range (idempotent replays not counted).', unit: units.Short, queries: [{ expr: over('ecotrack_orders_placed_total'), legend: 'placed' }] }),
          singleStat({ title: 'Orders confirmed', description: 'Orders the saga confirmed in the time range.', unit: units.Short, queries: [{ expr: over('ecotrack_orders_confirmed_total'), legend: 'confirmed' }] }),
          singleStat({
            title: 'Orders rejected by reason',
            description: 'Orders the saga rejected in the time range, by reason class (out_of_stock, payment_declined, timeout, other).',
            unit: units.Short,
            queries: [{ expr: over('ecotrack_orders_rejected_total', 'reason_class'), legend: '{{reason_class}}' }],
          }),
          singleStat({
            title: 'Orders cancelled',
            description: 'Orders cancelled in the time range.',
            unit: units.Short,
            queries: [{ expr: over('ecotrack_orders_cancelled_total', 'currency'), legend: '{{currency}}' }],
          }),
          timeSeries({
            title: 'Order flow',
            description: 'Orders placed and confirmed per second, by currency.',
            unit: units.OpsPerSecond,
            queries: [
              { expr: perSecond('ecotrack_orders_placed_total', 'currency'), legend: 'placed {{currency}}' },
              { expr: perSecond('ecotrack_orders_confirmed_total', 'currency'), legend: 'confirmed {{currency}}' },
            ],
          }),
          timeSeries({
            title: 'Conversion (orders per quote)',
            description: 'Orders placed divided by quotes served: a proxy for conversion.',
            unit: units.PercentUnit,
            queries: [{ expr: `${over('ecotrack_orders_placed_total')} / ${over('ecotrack_order_quotes_total')}`, legend: 'orders / quotes' }],
          }),
        ],
      },
      {
        title: 'Revenue and footprint',
        panels: [
          singleStat({
            title: 'Revenue by currency',
            description: 'Totals of confirmed orders in the time range, in major units (minor units / 100), one value per currency.',
            unit: units.Short,
            width: 12,
            queries: [{ expr: `${over('ecotrack_revenue_minor_units_total', 'currency')} / 100`, legend: '{{currency}}' }],
          }),
          singleStat({
            title: 'CO2e sold',
            description: 'Carbon footprint of the items of confirmed orders in the time range (kg CO2e).',
            unit: units.Kilogram,
            width: 12,
            queries: [{ expr: over('ecotrack_carbon_footprint_sold_kilograms_total'), legend: 'kg CO2e' }],
          }),
        ],
      },
      {
        title: 'Payments and notifications',
        panels: [
          timeSeries({
            title: 'Payments by provider and outcome',
            description: 'Payment operations per second by provider, operation and outcome.',
            unit: units.OpsPerSecond,
            queries: [{ expr: perSecond('ecotrack_payments_total', 'provider, operation, outcome'), legend: '{{provider}} {{operation}} {{outcome}}' }],
          }),
          singleStat({
            title: 'Refunded',
            description: 'Amounts refunded in the time range, in major units, by provider and currency.',
            unit: units.Short,
            queries: [{ expr: `${over('ecotrack_refunded_minor_units_total', 'provider, currency')} / 100`, legend: '{{provider}} {{currency}}' }],
          }),
          timeSeries({
            title: 'Notifications by channel and outcome',
            description: 'Notifications per second: sent, failed or skipped.',
            unit: units.OpsPerSecond,
            queries: [{ expr: perSecond('ecotrack_notifications_total', 'channel, outcome'), legend: '{{channel}} {{outcome}}' }],
          }),
        ],
      },
      {
        title: 'Users',
        panels: [
          singleStat({ title: 'Registrations', description: 'Accounts registered in the time range.', unit: units.Short, width: 8, queries: [{ expr: over('ecotrack_user_registrations_total'), legend: 'registrations' }] }),
          singleStat({
            title: 'Logins by outcome',
            description: 'Login attempts in the time range: success, invalid_credentials, rate_limited.',
            unit: units.Short,
            width: 8,
            queries: [{ expr: over('ecotrack_user_logins_total', 'outcome'), legend: '{{outcome}}' }],
          }),
          singleStat({
            title: 'Email verifications by outcome',
            description: 'Verification attempts in the time range: verified, invalid_token.',
            unit: units.Short,
            width: 8,
            queries: [{ expr: over('ecotrack_user_email_verifications_total', 'outcome'), legend: '{{outcome}}' }],
          }),
        ],
      },
    ],
  );
