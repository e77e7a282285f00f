// The Redis tier: Lua scripts that each touch ONE key (so they run unchanged on a Cluster), tag counters,
// SCAN-based pattern invalidation on every master, and the pub/sub bus.
import { Cluster, Redis } from "ioredis";
import { busChannel, entryKey, entryPattern, tagKey } from "./keys.ts";
import { groupBySlot } from "./slot.ts";

export type RedisClient = Redis | Cluster;

// KEYS[1] entry hash; ARGV: field, new token, init ttl ms, init (1|0).
// Returns {token, value} on a hit, {token} on a miss. On a miss with init=1 the hash is created holding only
// a fresh load token, so an invalidation that arrives while the value loads (DEL, or SCAN+UNLINK) removes it.
const READ = `
local r = redis.call('HMGET', KEYS[1], 'g', ARGV[1])
local g = r[1]
if not g then
  if ARGV[4] ~= '1' then return {''} end
  g = ARGV[2]
  redis.call('HSET', KEYS[1], 'g', g)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if r[2] then return {g, r[2]} end
return {g}
`;

// KEYS[1] entry hash; ARGV: expected token, field, payload, ttl ms.
// Stores the value only if the hash still holds the token read before loading: an invalidation in between
// deleted the hash (or a later reader replaced it), and the set is refused. Returns 1 stored, 0 refused.
const GUARDED_SET = `
if redis.call('HGET', KEYS[1], 'g') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
-- the hash lives as long as its longest-lived schema version (usually just this one)
if redis.call('HLEN', KEYS[1]) <= 2 or redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
`;

// KEYS[1] tag counter; ARGV: ttl ms. One INCR: O(1) whatever the number of tagged entries.
const BUMP_TAG = `
local v = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return v
`;

interface Scripts {
  lfCacheRead(key: string, field: string, token: string, initTtl: number, init: string): Promise<string[]>;
  lfCacheReadBuffer(key: string, field: string, token: string, initTtl: number, init: string): Promise<Buffer[]>;
  lfCacheSet(key: string, token: string, field: string, payload: Buffer, ttl: number): Promise<number>;
  lfCacheBumpTag(key: string, ttl: number): Promise<number>;
}

export class RedisTier {
  readonly client: RedisClient;
  readonly namespace: string;
  readonly isCluster: boolean;
  private readonly scripts: Scripts;

  constructor(client: RedisClient, namespace: string) {
    this.client = client;
    this.namespace = namespace;
    this.isCluster = client instanceof Cluster;
    client.defineCommand("lfCacheRead", { numberOfKeys: 1, lua: READ });
    client.defineCommand("lfCacheSet", { numberOfKeys: 1, lua: GUARDED_SET });
    client.defineCommand("lfCacheBumpTag", { numberOfKeys: 1, lua: BUMP_TAG });
    this.scripts = client as unknown as Scripts;
  }

  get ready(): boolean { return this.client.status === "ready"; }

  /** Reads an entry field and the key's load token (creating one when init and missing). */
  async read(key: string, field: string, newToken: string, initTtlMs: number, init: boolean): Promise<{ token: string; raw: Buffer | null }> {
    const r = await this.scripts.lfCacheReadBuffer(entryKey(this.namespace, key), field, newToken, initTtlMs, init ? "1" : "0");
    return { token: r[0]?.toString("utf8") ?? "", raw: r[1] ?? null };
  }

  async guardedSet(key: string, token: string, field: string, payload: Buffer, ttlMs: number): Promise<boolean> {
    return (await this.scripts.lfCacheSet(entryKey(this.namespace, key), token, field, payload, Math.max(1, Math.ceil(ttlMs)))) === 1;
  }

  async tagVersions(tags: readonly string[]): Promise<string[]> {
    if (tags.length === 0) return [];
    // separate single-key GETs: tag keys live in different slots
    const vals = await Promise.all(tags.map((t) => this.client.get(tagKey(this.namespace, t))));
    return vals.map((v) => v ?? "0");
  }

  async bumpTags(tags: readonly string[], ttlMs: number): Promise<void> {
    await Promise.all(tags.map((t) => this.scripts.lfCacheBumpTag(tagKey(this.namespace, t), ttlMs)));
  }

  /** Deletes entries (all schema versions and the load token): UNLINK batched per slot. */
  async unlinkKeys(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const full = keys.map((k) => entryKey(this.namespace, k));
    const groups = this.isCluster ? groupBySlot(full) : [full];
    const counts = await Promise.all(groups.map((g) => this.client.unlink(...g)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** SCAN MATCH on every master (never KEYS), UNLINK of each batch grouped per slot. Returns keys removed. */
  async unlinkMatching(glob: string, count = 1000): Promise<number> {
    const match = entryPattern(this.namespace, glob);
    const nodes: Redis[] = this.client instanceof Cluster ? this.client.nodes("master") : [this.client];
    let removed = 0;
    await Promise.all(nodes.map(async (node) => {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", match, "COUNT", count);
        cursor = next;
        if (keys.length) {
          const groups = this.isCluster ? groupBySlot(keys) : [keys];
          const pipe = node.pipeline();
          for (const g of groups) pipe.unlink(...g);
          const res = await pipe.exec();
          for (const [err, n] of res ?? []) {
            if (err) throw err;
            removed += Number(n);
          }
        }
      } while (cursor !== "0");
    }));
    return removed;
  }

  async publish(message: string): Promise<void> {
    await this.client.publish(busChannel(this.namespace), message);
  }

  /** A second connection subscribed to the bus (subscribed connections cannot run other commands). */
  subscriber(): RedisClient {
    const opts = { enableOfflineQueue: true, lazyConnect: false };
    return this.client instanceof Cluster ? this.client.duplicate(undefined, opts) : this.client.duplicate(opts);
  }
}

export interface RedisConnectOptions {
  /** Cluster startup nodes; when set, a Cluster client is created. */
  cluster?: { host: string; port: number }[];
  url?: string;
  connectTimeoutMs?: number;
}

/**
 * A client tuned for a cache: commands fail fast while disconnected (no offline queue, so a down Redis never
 * holds a request), reconnection retries forever with capped backoff, RESP2 replies.
 */
export function createRedisClient(opts: RedisConnectOptions): RedisClient {
  const base = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    protocol: 2 as const,
  };
  if (opts.cluster) {
    return new Cluster(opts.cluster, {
      enableOfflineQueue: false,
      clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
      slotsRefreshTimeout: 2000,
      redisOptions: base,
    });
  }
  if (!opts.url) throw new Error("createRedisClient needs url or cluster");
  return new Redis(opts.url, base);
}
