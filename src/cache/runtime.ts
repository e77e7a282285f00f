// Building a cache from the environment, and the process-wide cache the invalidation task uses.
//   REDIS_URL                  standalone Redis (or CACHE_REDIS_CLUSTER_NODES=host:port,host:port for a Cluster)
//   CACHE_NAMESPACE            key namespace (default lf:cache)
//   CACHE_TIMEOUT_MS           Redis read timeout before falling back to PostgreSQL (default 50)
//   CACHE_LOCAL_MAX_ENTRIES    local tier size (default 10000; 0 disables the local tier)
//   CACHE_LOCAL_TTL_MS         local tier TTL (default 10000)
import type client from "prom-client";
import { ConfigError } from "../errors.ts";
import { createRedisClient, type RedisClient } from "./redis-tier.ts";
import { TieredCache } from "./tiered-cache.ts";
import type { Cache } from "./types.ts";

type Env = Record<string, string | undefined>;

function intEnv(env: Env, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer`);
  return n;
}

export function redisClientFromEnv(env: Env = process.env): RedisClient | null {
  const nodes = env.CACHE_REDIS_CLUSTER_NODES;
  if (nodes) {
    return createRedisClient({
      cluster: nodes.split(",").map((hp) => {
        const [host, port] = hp.trim().split(":");
        if (!host || !port || !Number.isInteger(Number(port))) throw new ConfigError("CACHE_REDIS_CLUSTER_NODES must be host:port,host:port");
        return { host, port: Number(port) };
      }),
    });
  }
  return env.REDIS_URL ? createRedisClient({ url: env.REDIS_URL }) : null;
}

export function createCacheFromEnv(opts: { env?: Env; registry?: client.Registry; local?: boolean } = {}): { cache: Cache; redis: RedisClient | null } {
  const env = opts.env ?? process.env;
  const redis = redisClientFromEnv(env);
  const maxEntries = intEnv(env, "CACHE_LOCAL_MAX_ENTRIES", 10_000);
  const cache = new TieredCache({
    redis,
    namespace: env.CACHE_NAMESPACE || undefined,
    timeoutMs: intEnv(env, "CACHE_TIMEOUT_MS", 50),
    local: opts.local === false || maxEntries === 0 ? false : { maxEntries, ttlMs: intEnv(env, "CACHE_LOCAL_TTL_MS", 10_000) },
    registry: opts.registry,
    ownsClient: true, // made here for this cache: cache.close() quits it
  });
  return { cache, redis };
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
