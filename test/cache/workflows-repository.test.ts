// GetWithNodes of the real workflows repository behind the cache: equal to the uncached read, authorized per
// caller on every read, and invalidated by saves and by membership changes made in plain SQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import client from "prom-client";
import { Redis } from "ioredis";
import { createRedisClient, setTaskCache, TieredCache } from "../../src/cache/index.ts";
import { CachedWorkflowRepository } from "../../src/workflows/cached-repository.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import { testRedisUrl, useTestDatabase } from "../harness/db.ts";
import { chain, teamWithRoles, type TeamSetup } from "../workflows/helpers.ts";
import { drainJobs, dropNamespace, eventually, randomNamespace } from "./helpers.ts";

const db = useTestDatabase();
const url = testRedisUrl();
const ns = randomNamespace("wf-repo");
let redis: Redis;
let raw: Redis;
let cache: TieredCache;
let registry: client.Registry;
let repo: WorkflowRepository;
let cachedRepo: CachedWorkflowRepository;
let t: TeamSetup;

async function count(name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.reduce((a, v) => a + v.value, 0);
}

describe.skipIf(!url)("GetWithNodes behind the cache", () => {
  beforeAll(async () => {
    redis = createRedisClient({ url: url! }) as Redis;
    raw = new Redis(url!);
    await eventually(() => redis.status === "ready");
    registry = new client.Registry();
    cache = new TieredCache({ redis, namespace: ns, registry, name: "workflows" });
    setTaskCache(new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "task" }));
    repo = new WorkflowRepository(db.pool);
    cachedRepo = new CachedWorkflowRepository(db.pool, cache, repo);
    t = await teamWithRoles(db.pool);
  });
  afterAll(async () => {
    await cache?.close();
    setTaskCache(null);
    await dropNamespace(raw, ns);
    raw?.disconnect();
    redis?.disconnect();
  });

  it("returns what the uncached repository returns: a miss, then a hit", async () => {
    const wf = await repo.as({ userId: t.editor }).createWithVersion(t.teamId, chain(20));
    const misses = await count("linkflow_cache_misses_total");
    const hits = await count("linkflow_cache_hits_total");
    const first = await cachedRepo.as({ userId: t.viewer }).getWithNodes(wf.id);
    const second = await cachedRepo.as({ userId: t.viewer }).getWithNodes(wf.id);
    expect(JSON.parse(JSON.stringify(second))).toEqual(JSON.parse(JSON.stringify(await repo.as({ userId: t.viewer }).getWithNodes(wf.id))));
    expect(second).toEqual(first);
    expect(second.nodes).toHaveLength(20);
    expect(await count("linkflow_cache_misses_total")).toBeGreaterThan(misses);
    expect(await count("linkflow_cache_hits_total")).toBeGreaterThan(hits);
  });

  it("authorizes every caller: an outsider gets not found even when the graph is cached", async () => {
    const wf = await repo.as({ userId: t.editor }).createWithVersion(t.teamId, chain(3));
    await cachedRepo.as({ userId: t.viewer }).getWithNodes(wf.id);
    await expect(cachedRepo.as({ userId: t.outsider }).getWithNodes(wf.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("serves the new graph after a save, and drops a member removed by plain SQL once invalidation ran", async () => {
    const wf = await repo.as({ userId: t.editor }).createWithVersion(t.teamId, chain(3));
    await cachedRepo.as({ userId: t.viewer }).getWithNodes(wf.id);
    await cachedRepo.as({ userId: t.editor }).save(wf.id, 1, chain(5));
    expect((await cachedRepo.as({ userId: t.viewer }).getWithNodes(wf.id)).nodes).toHaveLength(5);
    await db.pool.query("delete from app_public.team_memberships where team_id = $1 and user_id = $2", [t.teamId, t.viewer]);
    await drainJobs(db.pool);
    await eventually(async () => {
      try { await cachedRepo.as({ userId: t.viewer }).getWithNodes(wf.id); return false; } catch (e) { return (e as { code?: string }).code === "NOT_FOUND"; }
    }, 5000);
  });
});
