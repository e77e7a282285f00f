// The real users repository behind the cache: the classic test, write invalidation, SQL-bypass invalidation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import client from "prom-client";
import { Redis } from "ioredis";
import { createRedisClient, setTaskCache, TieredCache } from "../../src/cache/index.ts";
import { CachedUserRepository } from "../../src/users/cached-repository.ts";
import { testRedisUrl, useTestDatabase } from "../harness/db.ts";
import { drainJobs, dropNamespace, eventually, randomNamespace } from "./helpers.ts";

const db = useTestDatabase();
const url = testRedisUrl();
const ns = randomNamespace("users-repo");
let redis: Redis;
let raw: Redis;
let cache: TieredCache;
let registry: client.Registry;
let users: CachedUserRepository;

async function count(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((a, v) => a + v.value, 0);
}

describe.skipIf(!url)("the users repository behind the cache", () => {
  beforeAll(async () => {
    redis = createRedisClient({ url: url! }) as Redis;
    raw = new Redis(url!);
    await eventually(() => redis.status === "ready");
    registry = new client.Registry();
    cache = new TieredCache({ redis, namespace: ns, registry, name: "users" });
    setTaskCache(new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "task" }));
    users = new CachedUserRepository(db.pool, cache);
  });
  afterAll(async () => {
    await cache?.close();
    setTaskCache(null);
    await dropNamespace(raw, ns);
    raw?.disconnect();
    redis?.disconnect();
  });

  it("misses on the first GetByID and hits on the second: 1 miss, 1 hit", async () => {
    const u = await users.create({ email: "classic@example.com", name: "Classic" });
    const before = { hits: await count("linkflow_cache_hits_total"), misses: await count("linkflow_cache_misses_total") };
    const first = await users.getById(u.id);
    const second = await users.getById(u.id);
    expect(second).toEqual(first);
    expect(second.createdAt).toBeInstanceOf(Date);
    expect(await count("linkflow_cache_misses_total") - before.misses).toBe(1);
    expect(await count("linkflow_cache_hits_total") - before.hits).toBe(1);
  });

  it("invalidates after a repository update (old and new email) and after a soft delete", async () => {
    const u = await users.create({ email: "old@example.com", name: "Before" });
    await users.getById(u.id);
    await users.getByEmail("old@example.com");
    const updated = await users.update(u.id, { name: "After", email: "new@example.com" });
    expect((await users.getById(u.id)).name).toBe("After");
    await expect(users.getByEmail("old@example.com")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await users.getByEmail("new@example.com")).version).toBe(updated.version);
    await users.softDelete(u.id);
    await expect(users.getById(u.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("does not invalidate when the write rolls back, and a failed write keeps the cached value", async () => {
    const u = await users.create({ email: "keep@example.com", name: "Keep" });
    const cachedValue = await users.getById(u.id);
    await expect(users.update(u.id, { name: "x".repeat(500) })).rejects.toMatchObject({ code: "VALIDATION" });
    expect(await users.getById(u.id)).toEqual(cachedValue);
  });

  it("sees a write made by plain SQL once the trigger's invalidation job ran", async () => {
    const u = await users.create({ email: "sql@example.com", name: "Via Repo" });
    await users.getById(u.id);
    await db.pool.query("update app_public.users set name = 'Via SQL' where id = $1", [u.id]);
    await drainJobs(db.pool);
    await eventually(async () => (await users.getById(u.id)).name === "Via SQL", 5000);
  });
});
