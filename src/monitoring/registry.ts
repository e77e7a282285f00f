// The project's Prometheus registry. Every LinkFlow metric registers here; /metrics serves it together with
// prom-client's global default registry (other capabilities may register there).
import client from "prom-client";

export const registry = new client.Registry();

/** Sub-millisecond to tens of seconds: `select 1` on a local socket takes ~0.1 ms, a slow report seconds. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

let processMetrics = false;
/** Node process metrics (CPU, memory, event-loop lag): linkflow_process_*, linkflow_nodejs_*; once per process. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  client.collectDefaultMetrics({ register: registry, prefix: "linkflow_" });
}

export const METRICS_CONTENT_TYPE = registry.contentType;

/** The exposition text of our registry plus the global one (without duplicating a metric). */
export async function metricsText(): Promise<string> {
  const ours = await registry.metrics();
  const globalNames = client.register.getMetricsAsArray().map((m) => m.name).filter((n) => !registry.getSingleMetric(n));
  if (globalNames.length === 0) return ours;
  const parts = [ours];
  for (const name of globalNames) parts.push(await client.register.getSingleMetricAsString(name) + "\n");
  return parts.join("");
}
