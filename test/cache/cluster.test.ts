// Against a local three-master Redis Cluster started from the machine's redis-server on ports 7101-7103:
// every operation is single-slot (no CROSSSLOT), pattern invalidation SCANs every master, tags, the race
// guard and the pub/sub bus work across nodes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import client from "prom-client";
import type { Cluster, Redis } from "ioredis";
import { cacheKeys, createRedisClient, setTaskCache, TieredCache } from "../../src/cache/index.ts";
import { keySlot } from "../../src/cache/slot.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { drainJobs, eventually, randomNamespace, sleep, startCluster } from "./helpers.ts";
import { cachedReads } from "./reads.ts";

const db = useTestDatabase();
const PORTS = [7101, 7102, 7103];
const ns = randomNamespace("cluster");
let cluster: Awaited<ReturnType<typeof startCluster>> | null = null;
let redis: Cluster;
const caches: TieredCache[] = [];

function makeCache(opts: Partial<ConstructorParameters<typeof TieredCache>[0]> = {}) {
  const c = new TieredCache({ redis, namespace: ns, registry: new client.Registry(), name: `k${caches.length}`, ...opts });
  caches.push(c);
  return c;
}

describe("the cache on a Redis Cluster", () => {
  beforeAll(async () => {
    cluster = await startCluster(PORTS);
    redis = createRedisClient({ cluster: [{ host: "127.0.0.1", port: PORTS[0]! }] }) as Cluster;
    await eventually(() => redis.status === "ready", 20_000);
    setTaskCache(new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "task" }));
  }, 60_000);
  afterAll(async () => {
    setTaskCache(null);
    for (const c of caches) await c.close();
    redis?.disconnect();
    await cluster?.stop();
  }, 30_000);

  it("computes the same hash slots as the cluster", async () => {
    for (const key of ["a", "users:id:1", "lf:cache:{users:id:1}", "{user1000}.following", "foo{}{bar}"]) {
      expect(keySlot(key)).toBe(await redis.cluster("KEYSLOT", key));
    }
  });

  it("misses then hits through cached repositories, with entries spread over all three masters", async () => {
    const cache = makeCache();
    await eventually(() => cache.localTierActive);
    const reads = cachedReads(cache, db.pool);
    const users = await Promise.all(Array.from({ length: 30 }, () => makeUser(db.pool)));
    for (const u of users) expect((await reads.userById(u.id))?.id).toBe(u.id);
    for (const u of users) expect((await reads.userById(u.id))?.id).toBe(u.id);
    expect(cache.stats()).toMatchObject({ misses: 30, hits: { local: 30 }, errors: 0 });
    const perMaster = await Promise.all(redis.nodes("master").map(async (n: Redis) => (await n.scan("0", "MATCH", `${ns}:*`, "COUNT", 10_000))[1].length));
    expect(perMaster).toHaveLength(3);
    expect(perMaster.every((n) => n > 0)).toBe(true);
  });

  it("invalidates a pattern on every master with SCAN and slot-grouped UNLINK", async () => {
    const cache = makeCache({ local: false });
    for (let i = 0; i < 60; i++) await cache.set(`cpat:${i}`, i);
    await cache.set("cother:1", 1);
    expect(await cache.invalidatePattern("cpat:*")).toBe(60);
    expect(await cache.get("cpat:7")).toBeUndefined();
    expect(await cache.get("cother:1")).toBe(1);
    expect(cache.stats().errors).toBe(0);
  });

  it("invalidates many keys at once (UNLINK grouped per slot) and tags with one INCR", async () => {
    const cache = makeCache({ local: false });
    const keys = Array.from({ length: 40 }, (_, i) => `cmany:${i}`);
    for (const k of keys) await cache.getOrSet(k, async () => k, { tags: ["ctag"] });
    expect(await cache.get("cmany:1", { tags: ["ctag"] })).toBe("cmany:1");
    await cache.invalidateTags("ctag");
    expect(await cache.get("cmany:1", { tags: ["ctag"] })).toBeUndefined();
    for (const k of keys) await cache.set(k, k);
    const { removed } = await cache.invalidate({ keys }, { strict: true });
    expect(removed).toBe(40);
    expect(cache.stats().errors).toBe(0);
  });

  it("guards sets against a concurrent invalidation", async () => {
    const cache = makeCache({ local: false });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const slow = cache.getOrSet("cguard:1", async () => { await gate; return "old"; });
    await sleep(20);
    await cache.delete("cguard:1");
    release();
    expect(await slow).toBe("old");
    expect(await cache.get("cguard:1")).toBeUndefined();
    expect(cache.stats().guardRejections).toBe(1);
  });

  it("drops other processes' local entries through pub/sub, also after SQL writes drained by the task", async () => {
    const a = makeCache({ name: "ca" });
    const b = makeCache({ name: "cb" });
    await eventually(() => a.localTierActive && b.localTierActive);
    const owner = await makeUser(db.pool);
    const team = await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }]);
    const wf = await makeWorkflow(db.pool, team.id);
    await drainJobs(db.pool);
    const ra = cachedReads(a, db.pool), rb = cachedReads(b, db.pool);
    expect((await ra.workflowWithNodes(wf.id))?.nodes).toEqual([]);
    expect((await rb.workflowWithNodes(wf.id))?.nodes).toEqual([]);
    expect(b.local!.peek(cacheKeys.workflowGraph(wf.id))).toBeDefined();
    await db.pool.query("insert into app_public.workflow_nodes (workflow_id, team_id, name, type) values ($1, $2, 'only', 'core.noop')", [wf.id, team.id]);
    await drainJobs(db.pool);
    await eventually(() => a.local!.peek(cacheKeys.workflowGraph(wf.id)) === undefined && b.local!.peek(cacheKeys.workflowGraph(wf.id)) === undefined);
    expect((await rb.workflowWithNodes(wf.id))?.nodes.map((n) => n.name)).toEqual(["only"]);
    expect(a.stats().errors + b.stats().errors).toBe(0);
  });
});
