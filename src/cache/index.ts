// The caching layer: import from here.
export type { Cache, CacheStats, EntryOptions, InvalidateTargets } from "./types.ts";
export { TieredCache, type TieredCacheOptions } from "./tiered-cache.ts";
export { createRedisClient, type RedisClient } from "./redis-tier.ts";
export { jsonCodec, dateJsonCodec, zstdCodec, type Codec } from "./codec.ts";
export { cached, invalidateAfterCommit, writeThrough, type CachedFunction, type CachedOptions } from "./cached.ts";
export { cacheKeys, cacheTags, policies, userKeys, type EntityPolicy } from "./entities.ts";
export { createCache, createCacheFromEnv, redisClientFor, setTaskCache, taskCache } from "./runtime.ts";
