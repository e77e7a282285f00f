// TieredCache: local LRU tier -> Redis tier -> loader (PostgreSQL), with single-flight loads, guarded sets,
// tag stamps, negative caching, grace (stale serve on loader failure), a circuit breaker with a short
// timeout for Redis, and a pub/sub bus that drops local-tier entries in every process.
import { randomBytes } from "node:crypto";
import client from "prom-client";
import { logger as rootLogger, type Logger } from "../logger.ts";
import { jsonCodec, type Codec } from "./codec.ts";
import { busChannel, checkKey, checkNamespace, DEFAULT_NAMESPACE, globToRegExp, versionField } from "./keys.ts";
import { LocalTier, type LocalTierOptions } from "./local-tier.ts";
import { cacheMetrics } from "./metrics.ts";
import { RedisTier, type RedisClient } from "./redis-tier.ts";
import type { Cache, CacheStats, EntryOptions, InvalidateTargets } from "./types.ts";

export interface TieredCacheOptions {
  /** Redis (standalone or Cluster) client, or null for a single-process, local-only cache. */
  redis: RedisClient | null;
  /** Key namespace; tests use a random one. Default lf:cache. */
  namespace?: string;
  /** Metrics label. Default: the namespace. */
  name?: string;
  /** The in-process tier, or false to disable it. */
  local?: (LocalTierOptions & { ttlMs?: number }) | false;
  /** Redis reads slower than this fall back to the loader. Default 50 ms. */
  timeoutMs?: number;
  /** Redis invalidations slower than this fail (and are retried by the invalidation jobs). Default 2000 ms. */
  writeTimeoutMs?: number;
  /** After a Redis error, skip Redis for this long before probing again. Default 1000 ms. */
  retryAfterMs?: number;
  defaultTtlMs?: number;
  maxTtlMs?: number;
  negativeTtlMs?: number;
  jitter?: number;
  /** Lifetime of a load token (must exceed the slowest loader). Default 60 s. */
  loadTokenTtlMs?: number;
  codec?: Codec;
  registry?: client.Registry;
  logger?: Logger;
  /** Minimum interval between two degradation log records. Default 10 s. */
  logIntervalMs?: number;
  /** The cache owns `redis` (it was created for it, e.g. by createCacheFromEnv): close() quits it too. Default false. */
  ownsClient?: boolean;
}

interface Header { c: string; e: number; t?: Record<string, string>; n?: 1 }

class TimeoutError extends Error {
  constructor(op: string, ms: number) { super(`redis ${op} timed out after ${ms} ms`); this.name = "TimeoutError"; }
}

const NEWLINE = 0x0a;

function encodeEntry(header: Header, body: Buffer | null): Buffer {
  const h = Buffer.from(JSON.stringify(header) + "\n", "utf8");
  return body ? Buffer.concat([h, body]) : h;
}

function decodeEntry(raw: Buffer): { header: Header; body: Buffer } | null {
  const nl = raw.indexOf(NEWLINE);
  if (nl < 0) return null;
  try {
    return { header: JSON.parse(raw.subarray(0, nl).toString("utf8")) as Header, body: raw.subarray(nl + 1) };
  } catch {
    return null;
  }
}

/** QUIT (bounded by 1 s), else disconnect; errors of a closing connection are absorbed, never unhandled. */
async function quitQuietly(c: RedisClient): Promise<void> {
  c.on("error", () => {});
  if (c.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([c.quit(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("quit timed out")), 1000); })]);
  } catch {
    c.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

export class TieredCache implements Cache {
  readonly name: string;
  readonly namespace: string;
  readonly redis: RedisTier | null;
  readonly local: LocalTier | null;
  private readonly o: Required<Omit<TieredCacheOptions, "redis" | "namespace" | "name" | "local" | "registry" | "logger" | "ownsClient">>;
  private readonly ownsClient: boolean;
  private readonly localTtlMs: number;
  private readonly log: Logger;
  private readonly m: ReturnType<typeof cacheMetrics>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly id = randomBytes(6).toString("hex");
  private subscriber: RedisClient | null = null;
  private busReady = false;
  private breakerUntil = 0;
  private probing = false;
  private degradedSince = 0;
  private lastLog = 0;
  private suppressed = 0;
  private closed = false;
  private readonly onClientError = (e: unknown) => { if (!this.closed) this.redisFailed("connection", e); };
  private readonly counts = { localHits: 0, redisHits: 0, misses: 0, stale: 0, errors: 0, fallbacks: 0, rejections: 0 };
  private readonly c: {
    localHit: client.Counter.Internal; redisHit: client.Counter.Internal; miss: client.Counter.Internal;
    localGet: client.Histogram.Internal<string>; redisGet: client.Histogram.Internal<string>; load: client.Histogram.Internal<string>;
  };

  constructor(opts: TieredCacheOptions) {
    this.namespace = checkNamespace(opts.namespace ?? DEFAULT_NAMESPACE);
    this.name = opts.name ?? this.namespace;
    this.redis = opts.redis ? new RedisTier(opts.redis, this.namespace) : null;
    this.local = opts.local === false ? null : new LocalTier(opts.local ?? {});
    this.localTtlMs = (opts.local || undefined)?.ttlMs ?? 10_000;
    this.ownsClient = opts.ownsClient === true && opts.redis !== null;
    this.o = {
      timeoutMs: opts.timeoutMs ?? 50,
      writeTimeoutMs: opts.writeTimeoutMs ?? 2000,
      retryAfterMs: opts.retryAfterMs ?? 1000,
      defaultTtlMs: opts.defaultTtlMs ?? 5 * 60_000,
      maxTtlMs: opts.maxTtlMs ?? 60 * 60_000,
      negativeTtlMs: opts.negativeTtlMs ?? 5_000,
      jitter: opts.jitter ?? 0.1,
      loadTokenTtlMs: opts.loadTokenTtlMs ?? 60_000,
      codec: opts.codec ?? jsonCodec,
      logIntervalMs: opts.logIntervalMs ?? 10_000,
    };
    this.log = (opts.logger ?? rootLogger).child({ component: "cache", cache: this.name });
    const metrics = cacheMetrics(opts.registry ?? client.register);
    this.m = metrics;
    metrics.sources.set(this.name, {
      hitsAndMisses: () => ({ hits: this.counts.localHits + this.counts.redisHits + this.counts.stale, misses: this.counts.misses }),
      localEntries: () => this.local?.size ?? 0,
    });
    this.c = {
      localHit: metrics.hits.labels(this.name, "local"),
      redisHit: metrics.hits.labels(this.name, "redis"),
      miss: metrics.misses.labels(this.name),
      localGet: metrics.latency.labels(this.name, "local", "get"),
      redisGet: metrics.latency.labels(this.name, "redis", "get"),
      load: metrics.latency.labels(this.name, "loader", "load"),
    };
    metrics.degraded.set({ cache: this.name }, 0);
    // connection errors: recorded (metric, rate-limited log) and retried by ioredis; never an unhandled event
    if (opts.redis) opts.redis.on("error", this.onClientError);
    if (this.redis && this.local) this.startBus();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------------------------

  async getOrSet<T>(key: string, loader: () => Promise<T | null | undefined>, opts: EntryOptions = {}): Promise<T | null> {
    checkKey(key);
    const sv = opts.schemaVersion ?? 1;
    const hit = this.localGet(key, sv);
    if (hit) return hit.value as T | null;
    const flightKey = `${sv}\u0000${key}`;
    const running = this.inflight.get(flightKey);
    if (running) return running as Promise<T | null>;
    const p = this.loadThrough(key, loader, opts).finally(() => this.inflight.delete(flightKey));
    this.inflight.set(flightKey, p);
    return p;
  }

  async get<T>(key: string, opts: EntryOptions = {}): Promise<T | null | undefined> {
    checkKey(key);
    const sv = opts.schemaVersion ?? 1;
    const hit = this.localGet(key, sv);
    if (hit) return hit.value as T | null;
    const mark = this.local?.mark() ?? 0;
    const r = await this.redisRead(key, opts, false);
    if (r?.fresh) {
      this.localPut(key, r.fresh.value, r.fresh.expiresAt, opts, r.size, mark);
      return r.fresh.value as T | null;
    }
    return undefined;
  }

  async set<T>(key: string, value: T | null, opts: EntryOptions = {}): Promise<boolean> {
    checkKey(key);
    const mark = this.local?.mark() ?? 0;
    if (!this.redis) {
      const exp = Date.now() + this.ttlFor(value, opts);
      return this.localPut(key, value, exp, opts, 0, mark);
    }
    const r = await this.redisRead(key, opts, true);
    if (!r) return false;
    return this.store(key, value, r.token, r.tagVersions, opts, mark);
  }

  private localUsable(): boolean {
    if (!this.local) return false;
    if (!this.redis) return true;
    // Without the bus this process would miss other processes' invalidations: skip the local tier.
    return this.busReady && this.degradedSince === 0;
  }

  private localGet(key: string, sv: number): { value: unknown } | undefined {
    if (!this.localUsable()) return undefined;
    const t = process.hrtime.bigint();
    const e = this.local!.get(key, sv);
    if (!e) return undefined;
    this.c.localGet.observe(Number(process.hrtime.bigint() - t) / 1e9);
    this.c.localHit.inc();
    this.counts.localHits++;
    return e;
  }

  private localPut(key: string, value: unknown, expiresAt: number, opts: EntryOptions, size: number, mark: number): boolean {
    if (!this.local || !this.localUsable()) return false;
    const ttl = Math.min(opts.localTtlMs ?? this.localTtlMs, expiresAt - Date.now());
    if (ttl <= 0) return false;
    const stored = this.local.put(key, {
      value, schemaVersion: opts.schemaVersion ?? 1, expiresAt: Date.now() + ttl, tags: opts.tags ?? [], size,
    }, mark);
    if (!stored) this.rejected("local");
    return stored;
  }

  private async loadThrough<T>(key: string, loader: () => Promise<T | null | undefined>, opts: EntryOptions): Promise<T | null> {
    const mark = this.local?.mark() ?? 0;
    const r = await this.redisRead(key, opts, true);
    if (r?.fresh) {
      this.localPut(key, r.fresh.value, r.fresh.expiresAt, opts, r.size, mark);
      return r.fresh.value as T | null;
    }
    this.c.miss.inc();
    this.counts.misses++;
    let value: T | null;
    const t = process.hrtime.bigint();
    try {
      value = (await loader()) ?? null;
    } catch (e) {
      if (r?.stale) {
        this.m.staleServes.inc({ cache: this.name });
        this.counts.stale++;
        this.log.warn({ key, err: { message: (e as Error).message } }, "loader failed: serving a stale entry within its grace period");
        return r.stale.value as T | null;
      }
      throw e;
    } finally {
      this.c.load.observe(Number(process.hrtime.bigint() - t) / 1e9);
    }
    if (r) await this.store(key, value, r.token, r.tagVersions, opts, mark);
    else if (!this.redis) this.localPut(key, value, Date.now() + this.ttlFor(value, opts), opts, 0, mark);
    return value;
  }

  /**
   * Reads the Redis tier: the entry (when fresh or stale-but-in-grace), the key's load token and the tags'
   * current versions, all before any loading starts. Null when Redis is unavailable (then the caller must not
   * write to any tier: the invalidation bus may be down too).
   */
  private async redisRead(key: string, opts: EntryOptions, init: boolean): Promise<{
    token: string; tagVersions: string[]; size: number;
    fresh?: { value: unknown; expiresAt: number }; stale?: { value: unknown };
  } | null> {
    if (!this.redisUsable()) {
      if (this.redis) { this.m.fallbacks.inc({ cache: this.name }); this.counts.fallbacks++; }
      return null;
    }
    const redis = this.redis!;
    const tags = opts.tags ?? [];
    const sv = opts.schemaVersion ?? 1;
    const t = process.hrtime.bigint();
    let token: string, raw: Buffer | null, tagVersions: string[];
    try {
      const newToken = randomBytes(9).toString("base64");
      [{ token, raw }, tagVersions] = await this.timed("read", this.o.timeoutMs, Promise.all([
        redis.read(key, versionField(sv), newToken, this.o.loadTokenTtlMs, init),
        redis.tagVersions(tags),
      ]));
    } catch (e) {
      this.redisFailed("read", e);
      this.m.fallbacks.inc({ cache: this.name });
      this.counts.fallbacks++;
      return null;
    }
    this.redisOk();
    const result: { token: string; tagVersions: string[]; size: number; fresh?: { value: unknown; expiresAt: number }; stale?: { value: unknown } } = { token, tagVersions, size: raw?.length ?? 0 };
    if (raw) {
      const entry = decodeEntry(raw);
      const codec = opts.codec ?? this.o.codec;
      if (entry && entry.header.c === codec.name && tags.every((tag, i) => entry.header.t?.[tag] === tagVersions[i])
        && Object.keys(entry.header.t ?? {}).length === tags.length) {
        let value: unknown;
        try { value = entry.header.n ? null : codec.decode(entry.body); } catch { value = undefined; }
        if (value !== undefined) {
          if (entry.header.e > Date.now()) {
            this.c.redisGet.observe(Number(process.hrtime.bigint() - t) / 1e9);
            this.c.redisHit.inc();
            this.counts.redisHits++;
            result.fresh = { value, expiresAt: entry.header.e };
          } else {
            result.stale = { value };
          }
        }
      }
    }
    return result;
  }

  private ttlFor(value: unknown, opts: EntryOptions): number {
    const base = value === null
      ? Math.min(opts.negativeTtlMs ?? this.o.negativeTtlMs, this.o.maxTtlMs)
      : Math.min(opts.ttlMs ?? this.o.defaultTtlMs, this.o.maxTtlMs);
    const jitter = Math.min(Math.max(opts.jitter ?? this.o.jitter, 0), 1);
    return Math.max(1, Math.floor(base * (1 - jitter * Math.random())));
  }

  private async store(key: string, value: unknown, token: string, tagVersions: string[], opts: EntryOptions, mark: number): Promise<boolean> {
    if (value === null && (opts.negativeTtlMs ?? this.o.negativeTtlMs) <= 0) return false;
    if (!token) return false;
    const ttl = this.ttlFor(value, opts);
    const expiresAt = Date.now() + ttl;
    const codec = opts.codec ?? this.o.codec;
    const tags = opts.tags ?? [];
    const header: Header = { c: codec.name, e: expiresAt };
    if (tags.length) header.t = Object.fromEntries(tags.map((tag, i) => [tag, tagVersions[i]!]));
    if (value === null) header.n = 1;
    const payload = encodeEntry(header, value === null ? null : codec.encode(value));
    let stored: boolean;
    try {
      stored = await this.timed("set", this.o.timeoutMs, this.redis!.guardedSet(key, token, versionField(opts.schemaVersion ?? 1), payload, ttl + (opts.graceMs ?? 0)));
    } catch (e) {
      this.redisFailed("set", e);
      return false;
    }
    if (!stored) { this.rejected("redis"); return false; }
    this.localPut(key, value, expiresAt, opts, payload.length, mark);
    return true;
  }

  private rejected(tier: "local" | "redis"): void {
    this.m.guardRejections.inc({ cache: this.name, tier });
    this.counts.rejections++;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Invalidation
  // ---------------------------------------------------------------------------------------------------------

  async delete(...keys: string[]): Promise<void> { await this.invalidate({ keys }); }
  async invalidateTags(...tags: string[]): Promise<void> { await this.invalidate({ tags }); }
  async invalidatePattern(glob: string): Promise<number> { return (await this.invalidate({ patterns: [glob] })).removed; }

  async invalidate(targets: InvalidateTargets, opts: { strict?: boolean } = {}): Promise<{ removed: number }> {
    const keys = [...new Set(targets.keys ?? [])].map(checkKey);
    const tags = [...new Set(targets.tags ?? [])];
    const patterns = [...new Set(targets.patterns ?? [])];
    if (keys.length + tags.length + patterns.length === 0) return { removed: 0 };
    this.dropLocal(keys, tags, patterns);
    if (keys.length) this.m.invalidations.inc({ cache: this.name, kind: "key" }, keys.length);
    if (tags.length) this.m.invalidations.inc({ cache: this.name, kind: "tag" }, tags.length);
    if (patterns.length) this.m.invalidations.inc({ cache: this.name, kind: "pattern" }, patterns.length);
    if (!this.redis) return { removed: 0 };
    const redis = this.redis;
    // Best effort while the breaker is open: don't make writers wait on a Redis known to be failing; the
    // triggers' jobs (strict, retried) carry the invalidation.
    if (!opts.strict && this.degradedSince !== 0 && Date.now() < this.breakerUntil) return { removed: 0 };
    try {
      if (!redis.ready) throw new Error(`redis is ${redis.client.status}`);
      const tagTtl = 2 * (this.o.maxTtlMs + 60 * 60_000);
      const [removedKeys, , ...removedByPattern] = await this.timed("invalidate", this.o.writeTimeoutMs, Promise.all([
        redis.unlinkKeys(keys),
        redis.bumpTags(tags, tagTtl),
      ]).then(async (r) => [...r, ...(await Promise.all(patterns.map((p) => redis.unlinkMatching(p))))] as number[]));
      // A load of this process that read Redis before the UNLINK may have filled the local tier meanwhile.
      this.dropLocal(keys, tags, patterns);
      await this.timed("publish", this.o.writeTimeoutMs, redis.publish(JSON.stringify({ o: this.id, k: keys, t: tags, p: patterns })));
      return { removed: (removedKeys ?? 0) + removedByPattern.reduce((a, b) => a + (b ?? 0), 0) };
    } catch (e) {
      this.redisFailed("invalidate", e);
      if (opts.strict) throw e;
      return { removed: 0 };
    }
  }

  private dropLocal(keys: string[], tags: string[], patterns: string[]): void {
    if (!this.local) return;
    if (keys.length) this.local.dropKeys(keys);
    if (tags.length) this.local.dropTags(tags);
    for (const p of patterns) this.local.dropMatching(globToRegExp(p));
  }

  private startBus(): void {
    const sub = this.redis!.subscriber();
    this.subscriber = sub;
    const channel = busChannel(this.namespace);
    sub.on("message", (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        const msg = JSON.parse(message) as { k?: string[]; t?: string[]; p?: string[] };
        this.dropLocal(msg.k ?? [], msg.t ?? [], msg.p ?? []);
      } catch {
        this.local?.clear();
      }
    });
    // (Re)subscribed: messages may have been missed while disconnected, so start the local tier afresh.
    sub.on("ready", () => {
      sub.subscribe(channel).then(() => {
        this.local?.clear();
        this.busReady = true;
      }, (e: unknown) => this.redisFailed("subscribe", e));
    });
    const down = () => { this.busReady = false; this.local?.clear(); };
    sub.on("close", down);
    sub.on("end", down);
    sub.on("error", () => { /* reconnection is automatic; the main client's errors are what we count */ });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Degradation: timeout, breaker, metric, rate-limited log, automatic recovery
  // ---------------------------------------------------------------------------------------------------------

  private redisUsable(): boolean {
    if (!this.redis || this.closed) return false;
    if (!this.redis.ready) {
      if (this.degradedSince === 0) this.redisFailed("connect", new Error(`redis is ${this.redis.client.status}`));
      return false;
    }
    if (Date.now() < this.breakerUntil) return false;
    if (this.degradedSince !== 0) {
      // half-open: one request probes, the others keep going to the loader
      if (this.probing) return false;
      this.probing = true;
    }
    return true;
  }

  private redisOk(): void {
    this.probing = false;
    if (this.degradedSince === 0) return;
    const downMs = Date.now() - this.degradedSince;
    this.degradedSince = 0;
    this.m.degraded.set({ cache: this.name }, 0);
    // invalidations may have been missed while degraded
    this.local?.clear();
    this.log.info({ downMs, suppressed: this.suppressed }, "redis cache recovered");
    this.suppressed = 0;
  }

  private redisFailed(op: string, e: unknown): void {
    this.probing = false;
    this.counts.errors++;
    this.m.errors.inc({ cache: this.name, tier: "redis", op });
    this.breakerUntil = Date.now() + this.o.retryAfterMs;
    if (this.degradedSince === 0) {
      this.degradedSince = Date.now();
      this.m.degraded.set({ cache: this.name }, 1);
      this.local?.clear();
    }
    const now = Date.now();
    if (now - this.lastLog >= this.o.logIntervalMs) {
      this.log.warn({ op, err: { message: (e as Error)?.message }, suppressed: this.suppressed }, "redis cache unavailable: reading from PostgreSQL");
      this.lastLog = now;
      this.suppressed = 0;
    } else {
      this.suppressed++;
    }
  }

  private timed<T>(op: string, ms: number, p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // The rejection waits one more turn (setImmediate runs after the poll phase): when the event loop itself
    // was blocked past the deadline, a reply that already arrived is processed first and wins.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => setImmediate(() => reject(new TimeoutError(op, ms))), ms);
    });
    p.catch(() => { /* a late rejection after the timeout is already accounted for */ });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  stats(): CacheStats {
    return {
      hits: { local: this.counts.localHits, redis: this.counts.redisHits },
      misses: this.counts.misses,
      staleServes: this.counts.stale,
      errors: this.counts.errors,
      fallbacks: this.counts.fallbacks,
      guardRejections: this.counts.rejections,
      degraded: this.degradedSince !== 0,
      localEntries: this.local?.size ?? 0,
    };
  }

  /** Whether the local tier is serving (Redis healthy and the bus subscribed). For tests and readiness. */
  get localTierActive(): boolean { return this.localUsable(); }

  /**
   * Stops using Redis and releases what this cache opened: its bus subscriber (a second connection it
   * duplicated: QUIT, then disconnected), its metrics source and, with `ownsClient` (createCacheFromEnv), the
   * Redis client itself. Left to the caller: a client it passed in without `ownsClient` stays connected and
   * is the caller's to close (`quit()`); this cache's 'error' listener is removed from it, so the caller keeps
   * its own listener for as long as the client lives. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.busReady = false;
    this.m.sources.delete(this.name);
    const sub = this.subscriber;
    this.subscriber = null;
    const closing: Promise<void>[] = [];
    if (sub) {
      for (const ev of ["message", "ready", "close", "end"]) sub.removeAllListeners(ev);
      closing.push(quitQuietly(sub));
    }
    if (this.redis && this.ownsClient) closing.push(quitQuietly(this.redis.client));
    await Promise.all(closing);
    this.redis?.client.off("error", this.onClientError);
    this.local?.clear();
  }
}
