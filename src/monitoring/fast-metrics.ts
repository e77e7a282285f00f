// Hot-path metrics: a labelled histogram whose per-series state is a plain Float64Array, and a counter derived
// from its observation counts. prom-client's Histogram hashes and validates the label object on every observe
// (~1 us each, measured); queries are observed on every round trip, so the hot path here is one bucket search and
// three additions. Both objects implement what prom-client's Registry reads (name, help, type, aggregator, get,
// reset), so they render in the same /metrics exposition as every other metric.
import type client from "prom-client";

export class HistogramSeries {
  readonly labels: Record<string, string>;
  readonly counts: Float64Array; // per bucket (not cumulative); the last slot is +Inf
  count = 0;
  sum = 0;
  private readonly bounds: readonly number[];

  constructor(labels: Record<string, string>, bounds: readonly number[]) {
    this.labels = labels;
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]! += 1;
    this.count += 1;
    this.sum += value;
  }
}

interface MetricValue { labels: Record<string, string | number>; value: number; metricName?: string }
interface MetricObject { name: string; help: string; type: string; aggregator: string; values: MetricValue[] }

export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  private readonly series = new Map<string, HistogramSeries>();

  constructor(opts: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registers: client.Registry[] }) {
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = opts.labelNames;
    this.buckets = [...opts.buckets].sort((a, b) => a - b);
    for (const r of opts.registers) r.registerMetric(this as unknown as client.Metric);
  }

  /** The series for these label values (created once; keep the reference on the hot path). */
  child(...values: string[]): HistogramSeries {
    const key = values.join("\u0000");
    let s = this.series.get(key);
    if (!s) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => { labels[n] = values[i] ?? ""; });
      s = new HistogramSeries(labels, this.buckets);
      this.series.set(key, s);
    }
    return s;
  }

  allSeries(): Iterable<HistogramSeries> {
    return this.series.values();
  }

  async get(): Promise<MetricObject> {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { le: this.buckets[i]!, ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

/** A counter whose value per series is the observation count of a FastHistogram's series. */
export class CountOfHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "counter";
  readonly aggregator = "sum";
  private readonly source: FastHistogram;

  constructor(opts: { name: string; help: string; source: FastHistogram; registers: client.Registry[] }) {
    this.name = opts.name;
    this.help = opts.help;
    this.source = opts.source;
    for (const r of opts.registers) r.registerMetric(this as unknown as client.Metric);
  }

  async get(): Promise<MetricObject> {
    const values: MetricValue[] = [];
    for (const s of this.source.allSeries()) values.push({ labels: s.labels, value: s.count });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void { /* follows its histogram */ }
}
