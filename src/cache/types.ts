// The Cache interface every caller (repositories, read-model queries, tasks) uses. Implemented by
// TieredCache (src/cache/tiered-cache.ts): an in-process LRU tier in front of Redis (standalone or Cluster).
import type { Codec } from "./codec.ts";

/** How one entry is cached. Entity policies (src/cache/entities.ts) fix these per entity type. */
export interface EntryOptions {
  /** Time to live of a found value (capped by the cache's maxTtlMs; jitter shortens it). */
  ttlMs?: number;
  /** Time to live of a cached not-found (null); short. 0 disables negative caching. */
  negativeTtlMs?: number;
  /** After expiry, the entry may still be served for this long, only when the loader fails (stale serve). */
  graceMs?: number;
  /** Random fraction (0..1) taken off each TTL so entries written together do not expire together. */
  jitter?: number;
  /** Time to live in the in-process tier (bounded by the entry's own expiry). */
  localTtlMs?: number;
  /** Tags stamped into the entry; invalidating a tag invalidates every entry carrying it (O(1)). */
  tags?: readonly string[];
  /** Shape version of the cached value: bump it when the shape changes; old entries are never read. */
  schemaVersion?: number;
  codec?: Codec;
}

export interface InvalidateTargets {
  keys?: readonly string[];
  tags?: readonly string[];
  /** Globs over logical keys (`users:email:*`): SCAN + batched UNLINK on every master. */
  patterns?: readonly string[];
}

export interface CacheStats {
  hits: { local: number; redis: number };
  misses: number;
  staleServes: number;
  errors: number;
  fallbacks: number;
  guardRejections: number;
  degraded: boolean;
  localEntries: number;
}

export interface Cache {
  readonly name: string;
  /** A cached value: undefined when not cached, null when a not-found is cached. Never calls a loader. */
  get<T>(key: string, opts?: EntryOptions): Promise<T | null | undefined>;
  /** Stores a value (null = not found) unless the key is invalidated concurrently. Returns whether stored. */
  set<T>(key: string, value: T | null, opts?: EntryOptions): Promise<boolean>;
  /** Invalidates keys (every tier, every process, every schema version). */
  delete(...keys: string[]): Promise<void>;
  invalidateTags(...tags: string[]): Promise<void>;
  /** Invalidates every key matching the glob; returns the number of Redis entries removed. */
  invalidatePattern(glob: string): Promise<number>;
  /**
   * Invalidates keys, tags and patterns. Best effort by default (a Redis failure is recorded, not thrown: the
   * SQL triggers' jobs retry); `strict` throws instead (the worker task, so graphile-worker retries).
   */
  invalidate(targets: InvalidateTargets, opts?: { strict?: boolean }): Promise<{ removed: number }>;
  /**
   * Cache-aside: the cached value, or the loader's (then cached). One load per key per process at a time
   * (single-flight). A loader result of null/undefined is a not-found, cached for negativeTtlMs and returned
   * as null. Redis errors never reach the caller: the loader answers.
   */
  getOrSet<T>(key: string, loader: () => Promise<T | null | undefined>, opts?: EntryOptions): Promise<T | null>;
  stats(): CacheStats;
  close(): Promise<void>;
}
