import { afterAll, beforeAll, describe, expect, it } from "vitest";
import client from "prom-client";
import { Redis } from "ioredis";
import { cacheKeys, createRedisClient, dateJsonCodec, invalidateAfterCommit, setTaskCache, TieredCache, userKeys, writeThrough } from "../../src/cache/index.ts";
import { withTransaction } from "../../src/db/transaction.ts";
import { ValidationError } from "../../src/errors.ts";
import { useTestDatabase, testRedisUrl } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { drainJobs, dropNamespace, eventually, randomNamespace, sleep } from "./helpers.ts";
import { cachedReads } from "./reads.ts";

const db = useTestDatabase();
const url = testRedisUrl();
const ns = randomNamespace("cache");
let redis: Redis;
let raw: Redis;
const caches: TieredCache[] = [];

function makeCache(opts: Partial<ConstructorParameters<typeof TieredCache>[0]> = {}) {
  const c = new TieredCache({ redis, namespace: ns, registry: new client.Registry(), name: `c${caches.length}`, ...opts });
  caches.push(c);
  return c;
}

async function counter(registry: client.Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((a, v) => a + v.value, 0);
}

describe.skipIf(!url)("the cache", () => {
  beforeAll(async () => {
    redis = createRedisClient({ url: url! }) as Redis;
    raw = new Redis(url!);
    await eventually(() => redis.status === "ready");
    // the invalidation task of this test process talks to the same namespace, without a local tier
    setTaskCache(new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "task" }));
  });
  afterAll(async () => {
    for (const c of caches) await c.close();
    setTaskCache(null);
    await dropNamespace(raw, ns);
    redis.disconnect();
    raw.disconnect();
  });

  it("misses on the first GetByID and hits on the second; the counters show 1 miss and 1 hit", async () => {
    const registry = new client.Registry();
    const cache = makeCache({ registry, name: "classic" });
    await eventually(() => cache.localTierActive);
    const reads = cachedReads(cache, db.pool);
    const u = await makeUser(db.pool, { name: "Ada" });
    const first = await reads.userById(u.id);
    const second = await reads.userById(u.id);
    expect(first).toMatchObject({ id: u.id, name: "Ada", version: 1 });
    expect(second).toEqual(first);
    expect(await counter(registry, "linkflow_cache_misses_total")).toBe(1);
    expect(await counter(registry, "linkflow_cache_hits_total")).toBe(1);
    expect(await counter(registry, "linkflow_cache_hits_total", { tier: "local" })).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, hits: { local: 1, redis: 0 } });
    const ratio = await registry.getSingleMetric("linkflow_cache_hit_ratio")!.get();
    expect(ratio.values[0]!.value).toBe(0.5);
    const text = await registry.metrics();
    expect(text).toMatch(/linkflow_cache_operation_seconds_bucket\{[^}]*tier="local"/);
    expect(text).toMatch(/linkflow_cache_operation_seconds_bucket\{[^}]*tier="loader"/);
  });

  it("without the local tier, the second read hits Redis", async () => {
    const registry = new client.Registry();
    const cache = makeCache({ registry, local: false, name: "redis-only" });
    const reads = cachedReads(cache, db.pool);
    const u = await makeUser(db.pool);
    await reads.userById(u.id);
    await reads.userById(u.id);
    expect(cache.stats()).toMatchObject({ misses: 1, hits: { local: 0, redis: 1 } });
    expect(await counter(registry, "linkflow_cache_hits_total", { tier: "redis" })).toBe(1);
  });

  it("loads once for a burst of concurrent misses on one key (single-flight)", async () => {
    const cache = makeCache({ local: false });
    let calls = 0;
    const key = `burst:${Math.random()}`;
    const values = await Promise.all(Array.from({ length: 25 }, () => cache.getOrSet(key, async () => { calls++; await sleep(20); return { n: 1 }; })));
    expect(calls).toBe(1);
    expect(values.every((v) => v?.n === 1)).toBe(true);
  });

  it("caches a not-found briefly (negative caching), and a created row replaces it once invalidated", async () => {
    const cache = makeCache();
    await eventually(() => cache.localTierActive);
    const reads = cachedReads(cache, db.pool);
    const email = `Neg-${Date.now()}@Example.com`;
    expect(await reads.userByEmail(email)).toBeNull();
    expect(await reads.userByEmail(email)).toBeNull();
    expect(cache.stats().misses).toBe(1);
    const ttl = await raw.pttl(`${ns}:{${cacheKeys.userByEmail(email)}}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000 + 60_000); // negative TTL + the user policy's grace
    const u = await makeUser(db.pool, { email: email.toLowerCase() });
    await drainJobs(db.pool); // the users trigger enqueued cache_invalidate for users:email:<email>
    await eventually(async () => (await reads.userByEmail(email))?.id === u.id);
  });

  it("rejects bad input with typed errors and caches nothing", async () => {
    const cache = makeCache();
    const reads = cachedReads(cache, db.pool);
    await expect(reads.userById("not-a-uuid")).rejects.toBeInstanceOf(ValidationError);
    await expect(reads.workflowWithNodes("x")).rejects.toMatchObject({ code: "VALIDATION", field: "workflow_id" });
    expect(await raw.exists(`${ns}:{users:id:not-a-uuid}`)).toBe(0);
    expect(() => new TieredCache({ redis: null, namespace: "bad namespace{}" })).toThrow(ValidationError);
  });

  it("never reads entries of another schema version or codec", async () => {
    const cache = makeCache({ local: false });
    const key = `shape:${Math.random()}`;
    await cache.getOrSet(key, async () => ({ v: 1 }), { schemaVersion: 1 });
    let loads = 0;
    const v2 = await cache.getOrSet(key, async () => { loads++; return { v: 2, added: true }; }, { schemaVersion: 2 });
    expect(v2).toEqual({ v: 2, added: true });
    expect(loads).toBe(1);
    expect(await cache.get(key, { schemaVersion: 1 })).toEqual({ v: 1 });
    expect(await cache.get(key, { schemaVersion: 1, codec: dateJsonCodec })).toBeUndefined();
    await cache.delete(key); // one DEL removes every schema version
    expect(await cache.get(key, { schemaVersion: 1 })).toBeUndefined();
    expect(await cache.get(key, { schemaVersion: 2 })).toBeUndefined();
  });

  it("round-trips Dates with the date codec", async () => {
    const cache = makeCache({ local: false, codec: dateJsonCodec });
    const at = new Date("2026-01-02T03:04:05.678Z");
    await cache.set("dates:1", { at, list: [at] });
    const back = await cache.get<{ at: Date; list: Date[] }>("dates:1");
    expect(back?.at).toBeInstanceOf(Date);
    expect(back?.at.getTime()).toBe(at.getTime());
    expect(back?.list[0]).toBeInstanceOf(Date);
  });

  it("caps TTLs at the maximum and applies jitter", async () => {
    const cache = makeCache({ local: false, maxTtlMs: 60_000, jitter: 0.5 });
    const ttls: number[] = [];
    for (let i = 0; i < 10; i++) {
      await cache.set(`ttl:${i}`, { i }, { ttlMs: 10 * 60 * 60_000 });
      ttls.push(await raw.pttl(`${ns}:{ttl:${i}}`));
    }
    expect(Math.max(...ttls)).toBeLessThanOrEqual(60_000);
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(30_000 - 100);
    expect(new Set(ttls.map((t) => Math.round(t / 1000))).size).toBeGreaterThan(1);
  });

  it("invalidates by pattern with SCAN on the server and UNLINK, leaving other keys", async () => {
    const cache = makeCache();
    await eventually(() => cache.localTierActive);
    for (let i = 0; i < 30; i++) await cache.set(`pat:a:${i}`, i);
    await cache.set("pat:b:1", 1);
    expect(cache.local!.size).toBeGreaterThanOrEqual(31);
    const removed = await cache.invalidatePattern("pat:a:*");
    expect(removed).toBe(30);
    expect(await cache.get("pat:a:3")).toBeUndefined();
    expect(await cache.get("pat:b:1")).toBe(1);
    expect(cache.local!.keys().filter((k) => k.startsWith("pat:a:"))).toEqual([]);
  });

  it("invalidates every entry of a tag with one counter bump, including in Redis", async () => {
    const cache = makeCache({ local: false });
    const loads: number[] = [];
    const load = (n: number) => async () => { loads.push(n); return n; };
    await cache.getOrSet("tagged:1", load(1), { tags: ["tg:x"] });
    await cache.getOrSet("tagged:2", load(2), { tags: ["tg:x", "tg:y"] });
    await cache.getOrSet("tagged:3", load(3), { tags: ["tg:y"] });
    expect(await cache.get("tagged:1", { tags: ["tg:x"] })).toBe(1);
    await cache.invalidateTags("tg:x");
    expect(await raw.get(`${ns}:t:{tg:x}`)).toBe("1");
    expect(await cache.get("tagged:1", { tags: ["tg:x"] })).toBeUndefined();
    expect(await cache.get("tagged:2", { tags: ["tg:x", "tg:y"] })).toBeUndefined();
    expect(await cache.get("tagged:3", { tags: ["tg:y"] })).toBe(3);
  });

  it("refuses to put back a row loaded before a newer write was committed and invalidated (race guard)", async () => {
    const registry = new client.Registry();
    const cache = makeCache({ registry });
    await eventually(() => cache.localTierActive);
    const u = await makeUser(db.pool, { name: "old" });
    const key = cacheKeys.userById(u.id);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let loaded!: () => void;
    const loadedOld = new Promise<void>((r) => { loaded = r; });
    const slowRead = cache.getOrSet(key, async () => {
      const { rows } = await db.pool.query("select name from app_public.users where id = $1", [u.id]);
      loaded();
      await gate; // the reader stalls with the old row
      return rows[0];
    });
    await loadedOld;
    await withTransaction(db.pool, async (c) => {
      await c.query("update app_public.users set name = 'new' where id = $1", [u.id]);
      await invalidateAfterCommit(db.pool, cache, { keys: [key] });
    });
    release();
    expect(await slowRead).toEqual({ name: "old" }); // the caller gets what it read...
    expect(await cache.get(key)).toBeUndefined(); // ...but it was not cached
    expect(cache.stats().guardRejections).toBe(1);
    expect(await counter(registry, "linkflow_cache_guard_rejections_total", { tier: "redis" })).toBe(1);
    expect(await cache.getOrSet(key, async () => ({ name: "new" }))).toEqual({ name: "new" });
  });

  it("write-through invalidates after the commit, never before, and not at all on rollback", async () => {
    const cache = makeCache({ local: false });
    const reads = cachedReads(cache, db.pool);
    const u = await makeUser(db.pool, { name: "before" });
    await reads.userById(u.id);
    const entry = `${ns}:{${cacheKeys.userById(u.id)}}`;
    const rename = writeThrough(db.pool, cache, async (id: string, name: string) => {
      return withTransaction(db.pool, async (c) => {
        const { rows } = await c.query("update app_public.users set name = $2 where id = $1 returning id, email", [id, name]);
        // inside the transaction: nothing invalidated yet (a reader would reload the old row and re-cache it)
        expect(await raw.hexists(entry, "s1")).toBe(1);
        return rows[0] as { id: string; email: string };
      });
    }, (user) => ({ keys: userKeys(user) }));
    await rename(u.id, "after");
    expect(await raw.exists(entry)).toBe(0);
    expect(await reads.userById(u.id)).toMatchObject({ name: "after", version: 2 });

    await expect(withTransaction(db.pool, async (c) => {
      await c.query("update app_public.users set name = 'rolled back' where id = $1", [u.id]);
      await invalidateAfterCommit(db.pool, cache, { keys: [cacheKeys.userById(u.id)] });
      throw new ValidationError("abort", { field: "x" });
    })).rejects.toBeInstanceOf(ValidationError);
    expect(await raw.hexists(entry, "s1")).toBe(1);
  });

  it("invalidates after writes that bypass TypeScript: triggers enqueue deduplicated jobs, the task deletes", async () => {
    const cache = makeCache();
    await eventually(() => cache.localTierActive);
    const reads = cachedReads(cache, db.pool);
    const owner = await makeUser(db.pool);
    const team = await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }]);
    const wf = await makeWorkflow(db.pool, team.id);
    await drainJobs(db.pool);
    expect((await reads.workflowWithNodes(wf.id))?.nodes).toEqual([]);
    expect(await reads.teamWorkflows(team.id)).toHaveLength(1);
    // a burst of 50 node inserts in one SQL statement: one job for the workflow key
    await db.pool.query(`insert into app_public.workflow_nodes (workflow_id, team_id, name, type)
      select $1, $2, 'n' || g, 'core.noop' from generate_series(1, 50) g`, [wf.id, team.id]);
    await makeWorkflow(db.pool, team.id);
    const { rows } = await db.pool.query("select key from graphile_worker.jobs where key like 'cache_invalidate:%' order by key");
    expect(rows.map((r) => r.key)).toContain(`cache_invalidate:k:${cacheKeys.workflowGraph(wf.id)}`);
    expect(rows.filter((r) => r.key === `cache_invalidate:k:${cacheKeys.workflowGraph(wf.id)}`)).toHaveLength(1);
    // tags go in keyless jobs (shared by every writer of the team: no deadlock-prone job-key upserts)
    const { rows: tagJobs } = await db.pool.query(
      "select count(*)::int as n from graphile_worker._private_jobs where key is null and (payload->'tags')::jsonb ? $1", [`team-workflows:${team.id}`]);
    expect(tagJobs[0].n).toBeGreaterThanOrEqual(1);
    // still cached until the jobs run
    expect((await reads.workflowWithNodes(wf.id))?.nodes).toEqual([]);
    await drainJobs(db.pool);
    await eventually(async () => (await reads.workflowWithNodes(wf.id))?.nodes.length === 50);
    await eventually(async () => (await reads.teamWorkflows(team.id))?.length === 2);
  });

  it("produces in SQL exactly the keys and tags TypeScript uses", async () => {
    const { rows } = await db.pool.query(`select app_private.cache_keys('users', jsonb_build_object('id', $1::text, 'email', $2::text)) as u,
      app_private.cache_keys('workflow_nodes', jsonb_build_object('workflow_id', $1::text)) as n,
      app_private.cache_tags('workflows', jsonb_build_object('id', $1::text, 'team_id', $1::text)) as w`,
    ["0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", "Mixed.Case@Example.com"]);
    expect(rows[0].u).toEqual(userKeys({ id: "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", email: "Mixed.Case@Example.com" }));
    expect(rows[0].n).toEqual([cacheKeys.workflowGraph("0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee")]);
    expect(rows[0].w).toContain("team-workflows:0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee");
  });

  it("drops local-tier entries in every process through pub/sub", async () => {
    const a = makeCache({ name: "proc-a" });
    const b = makeCache({ name: "proc-b" });
    await eventually(() => a.localTierActive && b.localTierActive);
    await a.set("shared:1", { v: 1 });
    expect(await b.get("shared:1")).toEqual({ v: 1 }); // b fills its local tier from Redis
    expect(b.local!.peek("shared:1")).toBeDefined();
    await a.delete("shared:1");
    await eventually(() => b.local!.peek("shared:1") === undefined);
    expect(await b.get("shared:1")).toBeUndefined();
  });

  it("serves a stale entry within its grace period only when the loader fails", async () => {
    const cache = makeCache({ local: false, jitter: 0 });
    await cache.getOrSet("grace:1", async () => "v1", { ttlMs: 30, graceMs: 60_000 });
    await sleep(60);
    const stale = await cache.getOrSet("grace:1", async () => { throw new Error("db down"); }, { ttlMs: 30, graceMs: 60_000 });
    expect(stale).toBe("v1");
    expect(cache.stats().staleServes).toBe(1);
    expect(await cache.getOrSet("grace:1", async () => "v2", { ttlMs: 30, graceMs: 60_000 })).toBe("v2");
    await expect(cache.getOrSet("grace:none", async () => { throw new Error("db down"); })).rejects.toThrow("db down");
  });
});
