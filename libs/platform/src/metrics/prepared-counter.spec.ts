import { Registry } from 'prom-client';
import { everySeries, preparedCounter } from './prepared-counter';

describe('prepared counters', () => {
  it('everySeries gives each combination of the label values once', () => {
    expect(everySeries({ channel: ['email', 'sms'], outcome: ['sent', 'failed'] })).toEqual([
      { channel: 'email', outcome: 'sent' },
      { channel: 'email', outcome: 'failed' },
      { channel: 'sms', outcome: 'sent' },
      { channel: 'sms', outcome: 'failed' },
    ]);
    expect(everySeries({})).toEqual([{}]);
  });

  it('creates the listed series at 0, so they are scraped before the first event', async () => {
    const registry = new Registry();
    preparedCounter(registry, { name: 'x_total', help: 'x', labelNames: ['outcome'], series: everySeries({ outcome: ['a', 'b'] }) });
    preparedCounter(registry, { name: 'y_total', help: 'y' });
    const text = await registry.metrics();
    expect(text).toContain('x_total{outcome="a"} 0');
    expect(text).toContain('x_total{outcome="b"} 0');
    expect(text).toMatch(/^y_total 0$/m);
  });

  it('an open label (no series given) starts empty and appears with its first increment', async () => {
    const registry = new Registry();
    const placed = preparedCounter(registry, { name: 'z_total', help: 'z', labelNames: ['currency'] });
    expect(await registry.metrics()).not.toMatch(/^z_total\{/m);
    placed.inc({ currency: 'EUR' });
    expect(await registry.metrics()).toContain('z_total{currency="EUR"} 1');
  });
});
