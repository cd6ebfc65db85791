/**
 * A minimal Prometheus registry: counters, histograms and gauges read at scrape time, rendered in
 * the text exposition format 0.0.4. Hand-written because it is small, and because the hot paths
 * (the token endpoint at thousands of requests per second per core) must pay no more than a Map
 * lookup and an addition per observation.
 */

type Labels = Record<string, string>;

/** Prometheus label values escape backslash, double quote and line feed. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((name, i) => `${name}="${escapeLabel(values[i]!)}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

interface Metric {
  render(): string;
}

abstract class Labelled<Cell> implements Metric {
  protected readonly cells = new Map<string, { values: string[]; cell: Cell }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly type: string,
    protected readonly labelNames: readonly string[],
  ) {}

  protected cell(labels: Labels): Cell {
    // Built by concatenation: no arrays made on every observation, only for a new cell.
    let key = '';
    for (const name of this.labelNames) key += `${labels[name] ?? ''}\u0000`;
    let entry = this.cells.get(key);
    if (!entry) {
      entry = { values: this.labelNames.map((name) => labels[name] ?? ''), cell: this.empty() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  protected abstract empty(): Cell;
  protected abstract lines(values: string[], cell: Cell): string[];

  render(): string {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, cell } of this.cells.values()) out.push(...this.lines(values, cell));
    return out.join('\n');
  }
}

export class Counter extends Labelled<{ value: number }> {
  inc(labels: Labels = {}, by = 1): void {
    this.cell(labels).value += by;
  }

  protected empty() {
    return { value: 0 };
  }

  protected lines(values: string[], cell: { value: number }): string[] {
    return [`${this.name}${labelText(this.labelNames, values)} ${formatNumber(cell.value)}`];
  }
}

interface HistogramCell {
  buckets: number[];
  sum: number;
  count: number;
}

export class Histogram extends Labelled<HistogramCell> {
  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[]) {
    super(name, help, 'histogram', labelNames);
  }

  observe(labels: Labels, value: number): void {
    const cell = this.cell(labels);
    // Buckets are stored non-cumulatively and summed at render time: one increment per observation.
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    cell.buckets[i]!++;
    cell.sum += value;
    cell.count++;
  }

  protected empty(): HistogramCell {
    return { buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  protected lines(values: string[], cell: HistogramCell): string[] {
    const out: string[] = [];
    let cumulative = 0;
    [...this.bounds, Infinity].forEach((bound, i) => {
      cumulative += cell.buckets[i]!;
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${formatNumber(bound)}"`)} ${cumulative}`);
    });
    out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatNumber(cell.sum)}`);
    out.push(`${this.name}_count${labelText(this.labelNames, values)} ${cell.count}`);
    return out;
  }
}

/** A value read when scraped (a queue length, a lag), never stored. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${formatNumber(this.read())}`].join('\n');
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, 'counter', labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, bounds));
  }

  gauge(name: string, help: string, read: () => number): Gauge {
    return this.add(new Gauge(name, help, read));
  }

  /** The text exposition format (Content-Type `text/plain; version=0.0.4`). */
  render(): string {
    return `${this.metrics.map((metric) => metric.render()).join('\n')}\n`;
  }

  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
}
