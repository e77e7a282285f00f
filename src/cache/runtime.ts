// Building a cache from its settings (the cache section of the one startup configuration, src/config.ts), and the
// process-wide cache the invalidation task uses.
//   REDIS_URL                  standalone Redis (or CACHE_REDIS_CLUSTER_NODES=host:port,host:port for a Cluster)
//   CACHE_NAMESPACE            key namespace (default lf:cache)
//   CACHE_TIMEOUT_MS           Redis read timeout before falling back to PostgreSQL (default 50)
//   CACHE_LOCAL_MAX_ENTRIES    local tier size (default 10000; 0 disables the local tier)
//   CACHE_LOCAL_TTL_MS         local tier TTL (default 10000)
import type client from "prom-client";
import { loadConfig, processConfig, type CacheSettings, type Env } from "../config.ts";
import { createRedisClient, type RedisClient } from "./redis-tier.ts";
import { TieredCache } from "./tiered-cache.ts";
import type { Cache } from "./types.ts";

/** The Redis client of the cache settings (a Cluster when cluster nodes are given), or null without Redis. */
export function redisClientFor(settings: Readonly<CacheSettings>): RedisClient | null {
  if (settings.clusterNodes) return createRedisClient({ cluster: settings.clusterNodes.map((n) => ({ ...n })) });
  return settings.redisUrl ? createRedisClient({ url: settings.redisUrl }) : null;
}

/** A cache built from its settings; it owns its Redis client (cache.close() quits it). */
export function createCache(settings: Readonly<CacheSettings>, opts: { registry?: client.Registry; local?: boolean } = {}): { cache: Cache; redis: RedisClient | null } {
  const redis = redisClientFor(settings);
  const maxEntries = settings.localMaxEntries;
  const cache = new TieredCache({
    redis,
    namespace: settings.namespace,
    timeoutMs: settings.timeoutMs,
    local: opts.local === false || maxEntries === 0 ? false : { maxEntries, ttlMs: settings.localTtlMs },
    registry: opts.registry,
    ownsClient: true, // made here for this cache: cache.close() quits it
  });
  return { cache, redis };
}

/** createCache with the cache section of an environment (validated with the whole configuration), else of this process. */
export function createCacheFromEnv(opts: { env?: Env; registry?: client.Registry; local?: boolean } = {}): { cache: Cache; redis: RedisClient | null } {
  return createCache((opts.env ? loadConfig(opts.env) : processConfig()).cache, opts);
}

const SLOT = Symbol.for("linkflow.cache.taskCache");
type Holder = { [SLOT]?: Cache | Promise<Cache | null> | null };

/**
 * Registers the cache the cache_invalidate task uses in this process (kept on globalThis, so a task module
 * loaded by graphile-worker outside any bundler sees it). Without one, the task builds its own from the env.
 */
export function setTaskCache(cache: Cache | null): void {
  (globalThis as Holder)[SLOT] = cache;
}

export async function taskCache(): Promise<Cache | null> {
  const g = globalThis as Holder;
  if (g[SLOT] === undefined) {
    g[SLOT] = (async () => {
      const { cache, redis } = createCacheFromEnv({ local: false });
      return redis ? cache : null;
    })();
  }
  return g[SLOT] ?? null;
}
