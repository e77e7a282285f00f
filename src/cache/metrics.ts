// Prometheus metrics of the cache (prom-client), registered in a registry the caller passes (the /metrics
// endpoint is built elsewhere). Several caches may share a registry: the `cache` label tells them apart.
import client from "prom-client";

export type Tier = "local" | "redis" | "loader";

export interface CacheMetrics {
  hits: client.Counter<"cache" | "tier">;
  misses: client.Counter<"cache">;
  staleServes: client.Counter<"cache">;
  errors: client.Counter<"cache" | "tier" | "op">;
  fallbacks: client.Counter<"cache">;
  guardRejections: client.Counter<"cache" | "tier">;
  invalidations: client.Counter<"cache" | "kind">;
  latency: client.Histogram<"cache" | "tier" | "op">;
  degraded: client.Gauge<"cache">;
  hitRatio: client.Gauge<"cache">;
  localEntries: client.Gauge<"cache">;
}

type Sources = Map<string, { hitsAndMisses(): { hits: number; misses: number }; localEntries(): number }>;
const sourcesByRegistry = new WeakMap<client.Registry, Sources>();

function getOrCreate<M>(registry: client.Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

export function cacheMetrics(registry: client.Registry): CacheMetrics & { sources: Sources } {
  let sources = sourcesByRegistry.get(registry);
  if (!sources) sourcesByRegistry.set(registry, (sources = new Map()));
  const src = sources;
  const registers = [registry];
  return {
    sources: src,
    hits: getOrCreate(registry, "linkflow_cache_hits_total", () => new client.Counter({
      name: "linkflow_cache_hits_total", help: "Reads answered by the cache, by the tier that answered.", labelNames: ["cache", "tier"], registers,
    })),
    misses: getOrCreate(registry, "linkflow_cache_misses_total", () => new client.Counter({
      name: "linkflow_cache_misses_total", help: "Reads that no tier answered (the loader ran).", labelNames: ["cache"], registers,
    })),
    staleServes: getOrCreate(registry, "linkflow_cache_stale_serves_total", () => new client.Counter({
      name: "linkflow_cache_stale_serves_total", help: "Reads answered by an expired entry within its grace period because the loader failed.", labelNames: ["cache"], registers,
    })),
    errors: getOrCreate(registry, "linkflow_cache_errors_total", () => new client.Counter({
      name: "linkflow_cache_errors_total", help: "Cache tier errors and timeouts, by tier and operation.", labelNames: ["cache", "tier", "op"], registers,
    })),
    fallbacks: getOrCreate(registry, "linkflow_cache_fallbacks_total", () => new client.Counter({
      name: "linkflow_cache_fallbacks_total", help: "Reads sent straight to the loader (PostgreSQL) because Redis was down, slow or its breaker open.", labelNames: ["cache"], registers,
    })),
    guardRejections: getOrCreate(registry, "linkflow_cache_guard_rejections_total", () => new client.Counter({
      name: "linkflow_cache_guard_rejections_total", help: "Sets refused because the key was invalidated while the value was loading (race guard).", labelNames: ["cache", "tier"], registers,
    })),
    invalidations: getOrCreate(registry, "linkflow_cache_invalidations_total", () => new client.Counter({
      name: "linkflow_cache_invalidations_total", help: "Invalidated keys, tags and patterns.", labelNames: ["cache", "kind"], registers,
    })),
    latency: getOrCreate(registry, "linkflow_cache_operation_seconds", () => new client.Histogram({
      name: "linkflow_cache_operation_seconds", help: "Latency of cache operations per tier (local, redis, loader).", labelNames: ["cache", "tier", "op"], registers,
      buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    })),
    degraded: getOrCreate(registry, "linkflow_cache_degraded", () => new client.Gauge({
      name: "linkflow_cache_degraded", help: "1 while Redis is considered unavailable and reads fall back to PostgreSQL.", labelNames: ["cache"], registers,
    })),
    hitRatio: getOrCreate(registry, "linkflow_cache_hit_ratio", () => new client.Gauge({
      name: "linkflow_cache_hit_ratio", help: "hits / (hits + misses) since start.", labelNames: ["cache"], registers,
      collect() {
        for (const [name, s] of src) {
          const { hits, misses } = s.hitsAndMisses();
          this.set({ cache: name }, hits + misses === 0 ? 0 : hits / (hits + misses));
        }
      },
    })),
    localEntries: getOrCreate(registry, "linkflow_cache_local_entries", () => new client.Gauge({
      name: "linkflow_cache_local_entries", help: "Entries held by the in-process tier.", labelNames: ["cache"], registers,
      collect() { for (const [name, s] of src) this.set({ cache: name }, s.localEntries()); },
    })),
  };
}
