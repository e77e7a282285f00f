// Fault suite (issue 18): Redis killed (SIGKILL) and restarted under a write load while the worker runs the
// triggers' cache_invalidate jobs. A private redis-server (port 7123) with an append-only file, so the entries
// survive the restart and a lost invalidation would show as a stale entry. Afterwards: zero failed
// cache_invalidate jobs (no job left with attempts exhausted: superseded jobs must not fail), every job done,
// and zero stale entries in Redis.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import client from "prom-client";
import { Redis } from "ioredis";
import type { Runner } from "graphile-worker";
import { afterAll, describe, expect, it } from "vitest";
import { cacheKeys, createRedisClient, setTaskCache, TieredCache } from "../../src/cache/index.ts";
import { startWorker, stopWorker } from "../../src/worker/runner.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeUser } from "../harness/fixtures.ts";
import { eventually, sleep, startRedisServer, type RedisProcess } from "../cache/helpers.ts";
import { cachedReads, loadUserByEmail, loadUserById } from "../cache/reads.ts";

const db = useTestDatabase();
const PORT = 7123;
let dir = "";
let server: RedisProcess | null = null;
let runner: Runner | null = null;
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  setTaskCache(null);
  if (runner) await stopWorker(runner, db.pool).catch(() => {});
  for (const c of closers.reverse()) await c().catch(() => {});
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const persistent = () => ["--appendonly", "yes", "--appendfsync", "always"];

describe("faults: Redis killed and restarted while invalidation jobs run", () => {
  it("leaves zero failed cache_invalidate jobs and zero stale entries", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "lf-faults-redis-"));
    server = await startRedisServer(PORT, persistent(), dir);
    const redis = createRedisClient({ url: `redis://127.0.0.1:${PORT}` }) as Redis;
    closers.push(async () => redis.disconnect());
    await eventually(() => redis.status === "ready");
    const ns = `lf:faults:${process.pid}`;
    const taskCache = new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "task" });
    setTaskCache(taskCache);
    closers.push(() => taskCache.close());
    const cache = new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "app", timeoutMs: 500 });
    closers.push(() => cache.close());
    const reads = cachedReads(cache, db.pool);

    const crontab = path.join(dir, "crontab");
    await writeFile(crontab, "");
    runner = await startWorker({ pgPool: db.pool, concurrency: 4, crontabFile: crontab, pollInterval: 200 });

    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => makeUser(db.pool, { name: `u${i}` })));
    let stop = false;
    let writes = 0;
    // Writers: renames of the same few users, so each entity's keyed job is re-added while it runs.
    const writers = Array.from({ length: 3 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const u = users[(w + i) % users.length]!;
        await db.pool.query("update app_public.users set name = $2 where id = $1", [u.id, `w${w}-${i}`]);
        writes++;
        if (i % 5 === 0) await Promise.all(users.map((x) => reads.userById(x.id).catch(() => null))); // keep entries cached
        await sleep(3);
      }
    });
    await sleep(700);
    await server.stop(); // SIGKILL: invalidation jobs fail while Redis is away
    await sleep(2500);
    server = await startRedisServer(PORT, persistent(), dir); // same data directory: the entries come back
    await eventually(() => redis.status === "ready", 20_000);
    await sleep(700);
    stop = true;
    await Promise.all(writers);
    expect(writes).toBeGreaterThan(20); // a loaded machine writes fewer; the outage still falls among them

    // Every invalidation job completes (rescheduled ones run once Redis answers); none is left failed.
    const jobs = async () => (await db.pool.query<{ total: number; failed: number }>(
      `select count(*)::int as total, count(*) filter (where attempts >= max_attempts)::int as failed
         from graphile_worker.jobs where task_identifier = 'cache_invalidate'`)).rows[0]!;
    await eventually(async () => { const j = await jobs(); return j.failed > 0 || j.total === 0; }, 45_000).catch(() => {});
    expect(await jobs()).toEqual({ total: 0, failed: 0 });

    // Zero stale entries: whatever Redis holds for these users equals the database.
    const verifier = new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "verify", timeoutMs: 2000 });
    closers.push(() => verifier.close());
    const stale: string[] = [];
    for (const u of users) {
      const want = await loadUserById(db.pool, u.id);
      const byId = await verifier.get(cacheKeys.userById(u.id));
      if (byId !== undefined && JSON.stringify(byId) !== JSON.stringify(want)) stale.push(`id ${u.id}`);
      const byEmail = await verifier.get(cacheKeys.userByEmail(u.email));
      if (byEmail !== undefined && JSON.stringify(byEmail) !== JSON.stringify(await loadUserByEmail(db.pool, u.email))) stale.push(`email ${u.email}`);
    }
    expect(stale).toEqual([]);
  }, 120_000);
});
