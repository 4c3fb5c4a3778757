import { port, present, STATE_DIR, waitUntil, WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

/**
 * The firing path of the local stack: a service stops, Prometheus's EcoTrackServiceDown fires after
 * its `for` (1 minute; scrape and evaluation every 5 s), Alertmanager routes it as
 * deploy/observability/alertmanager.yaml does (critical: the `pager` receiver) and posts it to the
 * local webhook (ALERT_WEBHOOK of tools/ports.env), where this test listens; the service starts
 * again and the resolved notification follows (group_interval is 10 s locally).
 * notification-service is the one stopped: the others' events wait in Kafka meanwhile, nothing is lost.
 */
const SERVICE = 'notification-service';
const ALERT = 'EcoTrackServiceDown';

/** Alertmanager's webhook payload (version 4), the fields this test reads. */
interface Notification {
  receiver: string;
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; fingerprint: string }[];
}

const received: Notification[] = [];
let webhook: Server;

const services = (action: 'up' | 'down') =>
  execFileSync('bash', [path.join(WORKSPACE_ROOT, 'tools/run/services.sh'), action, SERVICE], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ECOTRACK_STATE_DIR: STATE_DIR },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });

/** The alert of SERVICE in a notification with this status, started after `since`. */
const alertIn = (status: Notification['status'], since: number) => () =>
  received
    .filter((n) => n.status === status && n.groupLabels.alertname === ALERT)
    .flatMap((n) => n.alerts.map((alert) => ({ receiver: n.receiver, alert })))
    .find(({ alert }) => alert.labels.service === SERVICE && alert.status === status && Date.parse(alert.startsAt) >= since);

beforeAll(async () => {
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/alerts') received.push(JSON.parse(body) as Notification);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => webhook.once('error', reject).listen(port('ALERT_WEBHOOK'), '127.0.0.1', resolve));
});

afterAll(async () => {
  // Whatever happened above, the service runs again afterwards.
  services('up');
  await new Promise((resolve) => webhook.close(resolve));
});

describe('alerting on the local stack', () => {
  it('Prometheus sends its alerts to the local Alertmanager', async () => {
    const answer = (await fetch(`http://127.0.0.1:${port('PROMETHEUS')}/api/v1/alertmanagers`).then((r) => r.json())) as {
      data: { activeAlertmanagers: { url: string }[] };
    };
    expect(answer.data.activeAlertmanagers.map((a) => a.url)).toEqual([`http://127.0.0.1:${port('ALERTMANAGER')}/api/v2/alerts`]);
  });

  it(`stopping ${SERVICE} pages through Alertmanager with its runbook, and starting it resolves the page`, async () => {
    const stoppedAt = Date.now() - 10_000; // startsAt is when the alert went pending: at the first failed scrape or later
    services('down');

    const firing = await waitUntil(`${ALERT} for ${SERVICE} at the webhook`, alertIn('firing', stoppedAt), present, { timeoutMs: 240_000, intervalMs: 1_000 });
    expect(firing.receiver).toBe('pager');
    expect(firing.alert.labels).toEqual(expect.objectContaining({ alertname: ALERT, service: SERVICE, severity: 'critical' }));
    expect(firing.alert.annotations.summary).toBe(`${SERVICE} is down: no instance answers its scrape`);
    // The local Prometheus links this checkout's runbook, and the page is there.
    const runbook = path.join(WORKSPACE_ROOT, 'docs/runbooks', `${ALERT}.md`);
    expect(firing.alert.annotations.runbook_url).toBe(`file://${runbook}`);
    expect(existsSync(runbook)).toBe(true);

    services('up');
    await waitUntil(`${SERVICE} ready`, () => fetch(`http://127.0.0.1:${port('NOTIFICATION_SERVICE')}/health/ready`).then((r) => r.status, () => 0), (status) => status === 200, {
      timeoutMs: 120_000,
    });
    const resolved = await waitUntil(`${ALERT} for ${SERVICE} resolved at the webhook`, alertIn('resolved', stoppedAt), present, { timeoutMs: 180_000, intervalMs: 1_000 });
    expect(resolved.alert.fingerprint).toBe(firing.alert.fingerprint);
  }, 600_000);
});
