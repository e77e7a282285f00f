// Degradation against a private redis-server (port 7110, never the shared one): slow Redis and Redis killed
// mid-run. Reads keep answering from PostgreSQL without errors; a metric and the stats record it; the cache
// recovers by itself once Redis is back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import client from "prom-client";
import { Redis } from "ioredis";
import { createRedisClient, setTaskCache, TieredCache } from "../../src/cache/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeUser } from "../harness/fixtures.ts";
import { drainJobs, eventually, pendingJobs, randomNamespace, sleep, startRedisServer, type RedisProcess } from "./helpers.ts";
import { cachedReads } from "./reads.ts";

const db = useTestDatabase();
const PORT = 7110;
const ns = randomNamespace("outage");
let server: RedisProcess | null = null;
let redis: Redis;

async function gauge(registry: client.Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? NaN;
}

describe("the cache when Redis is slow or down", () => {
  beforeAll(async () => {
    server = await startRedisServer(PORT);
    redis = createRedisClient({ url: `redis://127.0.0.1:${PORT}` }) as Redis;
    await eventually(() => redis.status === "ready");
    setTaskCache(new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "task" }));
  }, 30_000);
  afterAll(async () => {
    setTaskCache(null);
    redis?.disconnect();
    await server?.stop();
  }, 30_000);

  it("falls back to PostgreSQL within the timeout when Redis is slow", async () => {
    const registry = new client.Registry();
    const cache = new TieredCache({ redis, namespace: ns, local: false, registry, timeoutMs: 50, retryAfterMs: 100 });
    const reads = cachedReads(cache, db.pool);
    const u = await makeUser(db.pool, { name: "slow" });
    await reads.userById(u.id);
    const pauser = new Redis(`redis://127.0.0.1:${PORT}`);
    await pauser.client("PAUSE", 1500, "ALL"); // every command now waits 1.5 s
    const results = await Promise.all(Array.from({ length: 5 }, () => reads.userById(u.id)));
    expect(results.every((r) => r?.name === "slow")).toBe(true);
    expect(cache.stats().fallbacks).toBeGreaterThan(0);
    const errs = (await registry.getSingleMetric("linkflow_cache_errors_total")!.get()).values;
    expect(errs.some((v) => v.labels.op === "read" && v.value > 0)).toBe(true);
    expect(await gauge(registry, "linkflow_cache_degraded")).toBe(1);
    await pauser.client("UNPAUSE");
    pauser.disconnect();
    await eventually(async () => { await reads.userById(u.id); return !cache.stats().degraded; });
    const before = cache.stats().hits.redis;
    await reads.userById(u.id);
    expect(cache.stats().hits.redis).toBe(before + 1);
    expect(await gauge(registry, "linkflow_cache_degraded")).toBe(0);
    await cache.close();
  });

  it("keeps reads working from PostgreSQL while Redis is killed mid-run, then recovers by itself", async () => {
    const registry = new client.Registry();
    const cache = new TieredCache({ redis, namespace: ns, registry, timeoutMs: 50, retryAfterMs: 100, name: "outage" });
    await eventually(() => cache.localTierActive);
    const reads = cachedReads(cache, db.pool);
    const users = await Promise.all(Array.from({ length: 5 }, (_, i) => makeUser(db.pool, { name: `u${i}` })));
    for (const u of users) await reads.userById(u.id);

    let stop = false;
    const errors: unknown[] = [];
    let served = 0;
    const expectedName = new Map(users.map((u, i) => [u.id, `u${i}`]));
    const readers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const u = users[Math.floor(Math.random() * users.length)]!;
        try {
          const got = await reads.userById(u.id);
          if (!got) throw new Error("missing user");
          served++;
        } catch (e) { errors.push(e); }
        await sleep(2);
      }
    });
    await sleep(100);
    await server!.stop(); // SIGKILL mid-run
    await eventually(() => cache.stats().degraded);
    expect(cache.localTierActive).toBe(false); // the bus is down: the local tier must not serve
    // a write during the outage: the reads see it at once (they go to PostgreSQL)
    await db.pool.query("update app_public.users set name = 'renamed in outage' where id = $1", [users[0]!.id]);
    expectedName.set(users[0]!.id, "renamed in outage");
    expect((await reads.userById(users[0]!.id))?.name).toBe("renamed in outage");
    const servedDuring = served;
    await sleep(300);
    expect(served).toBeGreaterThan(servedDuring);
    expect(await gauge(registry, "linkflow_cache_degraded")).toBe(1);
    expect(cache.stats().fallbacks).toBeGreaterThan(0);
    // the trigger's invalidation job fails while Redis is down and stays queued for a retry
    await expect(drainJobs(db.pool, 500)).rejects.toThrow(/did not drain/);
    // (the attempt that fails may still be in flight when the drain gives up: its error is recorded when it ends)
    await eventually(async () => (await pendingJobs(db.pool)).some((j) => j.attempts > 0 && j.last_error));

    server = await startRedisServer(PORT); // a fresh, empty Redis on the same port
    await eventually(() => !cache.stats().degraded && cache.localTierActive, 20_000);
    stop = true;
    await Promise.all(readers);
    expect(errors).toEqual([]);
    expect(await gauge(registry, "linkflow_cache_degraded")).toBe(0);

    // recovered: misses refill Redis and the local tier, then hits again, with current values
    const hitsBefore = cache.stats().hits.local + cache.stats().hits.redis;
    for (const u of users) expect((await reads.userById(u.id))?.name).toBe(expectedName.get(u.id));
    for (const u of users) expect((await reads.userById(u.id))?.name).toBe(expectedName.get(u.id));
    expect(cache.stats().hits.local + cache.stats().hits.redis).toBeGreaterThan(hitsBefore);
    // the queued invalidation job succeeds on retry
    await db.pool.query("update graphile_worker._private_jobs set run_at = now() where task_id = (select id from graphile_worker._private_tasks where identifier = 'cache_invalidate')");
    await drainJobs(db.pool);
    expect(await pendingJobs(db.pool)).toEqual([]);
    await cache.close();
  }, 60_000);
});
