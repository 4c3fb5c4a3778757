import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * docs/dr.md, the disaster-recovery runbook, against what it names: every chart value it tells an
 * operator about exists in helm/ecotrack/values.yaml (a renamed value must not leave the runbook
 * pointing at nothing in the middle of a restore), the PostgreSQL providers it describes are the
 * schema's, every backup CronJob it says to start by hand is one the freshness alert watches, its
 * links resolve, and the sections the local drill fills are there.
 */
const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const doc = read('docs/dr.md');
const values = parse(read('helm/ecotrack/values.yaml')) as Record<string, unknown>;

/** Value roots the runbook may name; a dotted name under one of them is a chart value path. */
const ROOTS = ['backup', 'infrastructure', 'velero', 'secretsRotation', 'externalSecrets', 'openbaoAuth'];
const PATH = new RegExp(`^(?:${ROOTS.join('|')})(?:\\.[A-Za-z][\\w-]*)+$`);
const FILE = /\.(?:ya?ml|md|json|sh|ts|hcl)$/;

/** Dotted value paths in code spans (`backup.aws.bucket`) and placeholders (<backup.aws.bucket>). */
function valuePathsOf(text: string): string[] {
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  const placeholders = [...text.matchAll(/<([\w.-]+)>/g)].map((m) => m[1]);
  return [...new Set([...spans, ...placeholders].filter((t) => PATH.test(t) && !FILE.test(t)))].sort();
}
const resolves = (dotted: string) =>
  dotted.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' && key in node ? (node as Record<string, unknown>)[key] : undefined), values) !== undefined;

describe('docs/dr.md and the chart', () => {
  const named = valuePathsOf(doc);

  it('every chart value the runbook names exists in values.yaml', () => {
    expect(named.filter((p) => !resolves(p))).toEqual([]);
  });

  it('the check is not vacuous', () => {
    expect(named.length).toBeGreaterThanOrEqual(10);
    expect(named).toEqual(expect.arrayContaining(['backup.postgres.provider', 'backup.aws.bucket', 'backup.openbao.schedule', 'infrastructure.postgres.host']));
    expect(resolves('backup.postgres.pgbackrest.retention.full')).toBe(true);
    expect(resolves('backup.postgres.pgbackrest.retention.weekly')).toBe(false);
    expect(valuePathsOf('`backup.yaml` <backup.aws.region> `backup.openbao` `kubectl get pods`')).toEqual(['backup.aws.region', 'backup.openbao']);
  });

  it('describes exactly the PostgreSQL providers of the schema, with the default the values have', () => {
    const schema = JSON.parse(read('helm/ecotrack/values.schema.json')) as {
      properties: { backup: { properties: { postgres: { properties: { provider: { enum: string[] } } } } } };
    };
    const providers = schema.properties.backup.properties.postgres.properties.provider.enum;
    for (const provider of providers) expect(doc).toContain(`\`backup.postgres.provider\` \`${provider}\``);
    const defaultProvider = ((values.backup as { postgres: { provider: string } }).postgres).provider;
    expect(doc).toContain(`\`backup.postgres.provider\` \`${defaultProvider}\` (default)`);
  });

  it('every backup CronJob it starts by hand is one the freshness alert watches', () => {
    const started = [...doc.matchAll(/--from=cronjob\/([\w-]+)/g)].map((m) => m[1]);
    expect(started.length).toBeGreaterThan(0);
    const rule = read('helm/ecotrack/files/prometheus-rules/backup.yaml');
    const watched = [...rule.matchAll(/kube_cronjob_status_last_successful_time\{cronjob=~?"([^"]+)"\}/g)].map((m) => new RegExp(`^(?:${m[1]})$`));
    expect(started.filter((name) => !watched.some((w) => w.test(name)))).toEqual([]);
  });

  it('its links resolve', () => {
    const targets = [...doc.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((t) => !/^https?:/.test(t));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !existsSync(path.join(root, 'docs', t)))).toEqual([]);
  });

  it('has the sections the local drill fills: the commands, and the measurements table', () => {
    const headings = doc.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual(expect.arrayContaining(['## Local stack', '## Measured RPO and RTO']));
    // Each recovery command as ./ecotrack's own usage writes it (its header), arguments and all.
    const usage = read('ecotrack');
    const commands = [...usage.matchAll(/^# {3}(\.\/ecotrack (?:backup|restore|drill)(?: \[[^\]]+\])*)/gm)].map((m) => m[1].replace('TIME', '<time>'));
    expect(commands).toHaveLength(3);
    for (const command of commands) expect(doc).toContain(`\`${command}\``);
    const measured = doc.slice(doc.indexOf('## Measured RPO and RTO'));
    expect(measured).toMatch(/^\| Drill \| RPO \| RTO \| Measured on \|$/m);
  });
});
