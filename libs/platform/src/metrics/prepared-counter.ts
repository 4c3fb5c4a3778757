import { Counter, type Registry } from 'prom-client';

type LabelSet<L extends string> = Partial<Record<L, string>>;

/**
 * Every combination of the given label values: `everySeries({ channel: ['email', 'sms'], outcome:
 * ['sent', 'failed'] })` gives the four label sets. For the bounded labels of business counters.
 */
export function everySeries<L extends string>(values: Record<L, readonly string[]>): LabelSet<L>[] {
  return (Object.entries(values) as [L, readonly string[]][]).reduce<LabelSet<L>[]>(
    (sets, [label, options]) => sets.flatMap((set) => options.map((value) => ({ ...set, [label]: value }))),
    [{}],
  );
}

export interface PreparedCounterConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** The series to create at 0 now (all of them when the labels are bounded); none: the label-less one. */
  series?: LabelSet<L>[];
}

/**
 * A counter in the service's registry whose known series exist from the start at 0: a rate() or
 * increase() never misses the first event, and a panel shows 0 rather than no data. Open labels
 * (a currency) appear with their first increment.
 */
export function preparedCounter<L extends string = never>(registry: Registry, config: PreparedCounterConfig<L>): Counter<L> {
  const counter = new Counter<L>({ name: config.name, help: config.help, labelNames: config.labelNames ?? [], registers: [registry] });
  for (const series of config.series ?? (config.labelNames?.length ? [] : [{}])) counter.inc(series as Record<L, string>, 0);
  return counter;
}
