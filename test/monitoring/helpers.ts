// Helpers for the monitoring tests: read metric values straight from the registry.
import { Writable } from "node:stream";
import { pino } from "pino";
import { registry } from "../../src/monitoring/registry.ts";

/** Sum of a metric's samples whose labels include `labels` (histograms: pass the sample name, e.g. *_count). */
export async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  const metric = registry.getSingleMetric(name) ?? registry.getSingleMetric(base);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  let sum = 0;
  for (const v of values) {
    const sampleName = (v as { metricName?: string }).metricName ?? name;
    if (sampleName !== name) continue;
    const l = v.labels as Record<string, string | number>;
    if (Object.entries(labels).every(([k, want]) => String(l[k]) === want)) sum += v.value;
  }
  return sum;
}

/** A pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { logger: ReturnType<typeof pino>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}
