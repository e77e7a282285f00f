// Concurrent writers and readers on the same keys, through the cached repositories (two "processes", each
// with a local tier) and through direct SQL; the real worker runs the triggers' invalidation jobs meanwhile.
// After they stop and invalidations drain, every cached value (Redis and both local tiers) equals the database.
// It runs twice: on the test Redis, and on a private redis-server behind a proxy that delays a third of the
// replies past the 50 ms read timeout (test/cache/slow-redis.ts), so the timeout path is exercised every run.
// No retry: a stale entry is a correctness defect, however rare.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import client from "prom-client";
import { Redis } from "ioredis";
import type { Runner } from "graphile-worker";
import { cached, cacheKeys, createRedisClient, policies, setTaskCache, TieredCache, userKeys, writeThrough } from "../../src/cache/index.ts";
import { withTransaction } from "../../src/db/transaction.ts";
import { startWorker } from "../../src/worker/runner.ts";
import { useTestDatabase, testRedisUrl } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { drainJobs, dropNamespace, eventually, randomNamespace, sleep } from "./helpers.ts";
import { startSlowRedis, type SlowRedis } from "./slow-redis.ts";
import { loadUserByEmail, loadUserById, loadWorkflowWithNodes } from "./reads.ts";

const db = useTestDatabase();
const url = testRedisUrl();
let dir = "";
let slow: SlowRedis | null = null;

beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), "lf-cache-race-")); });
afterAll(async () => {
  setTaskCache(null);
  await slow?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The scenario on `cacheUrl` (what the two processes and the worker's task cache use); the verifier reads
 * through `verifyUrl` (not slowed: it must see Redis as it is, not time out).
 */
async function concurrentWritesLeaveNothingStale(cacheUrl: string, verifyUrl: string, label: string, retryAfterMs?: number): Promise<{ errors: number }> {
  const ns = randomNamespace(`race-${label}`);
  const redis = createRedisClient({ url: cacheUrl }) as Redis;
  const direct = createRedisClient({ url: verifyUrl }) as Redis;
  const raw = new Redis(verifyUrl);
  await eventually(() => redis.status === "ready" && direct.status === "ready");
  setTaskCache(new TieredCache({ redis, namespace: ns, local: false, registry: new client.Registry(), name: "task" }));
  try {
    return await scenario(redis, direct, ns, retryAfterMs);
  } finally {
    setTaskCache(null);
    await dropNamespace(raw, ns);
    redis.disconnect();
    direct.disconnect();
    raw.disconnect();
  }
}

async function scenario(redis: Redis, direct: Redis, ns: string, retryAfterMs?: number): Promise<{ errors: number }> {
  {
    // retryAfterMs: after a timeout the breaker closes again quickly, so slow and normal replies interleave
    const A = new TieredCache({ redis, namespace: ns, name: "A", registry: new client.Registry(), retryAfterMs });
    const B = new TieredCache({ redis, namespace: ns, name: "B", registry: new client.Registry(), retryAfterMs });
    const verifier = new TieredCache({ redis: direct, namespace: ns, name: "verify", local: false, registry: new client.Registry(), timeoutMs: 2000 });
    await eventually(() => A.localTierActive && B.localTierActive);

    const owner = await makeUser(db.pool);
    const team = await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }]);
    const users = await Promise.all(Array.from({ length: 4 }, (_, i) => makeUser(db.pool, { email: `race-${i}-0-${Date.now()}@example.com` })));
    const emails = new Set(users.map((u) => u.email));
    const wfs = await Promise.all([makeWorkflow(db.pool, team.id), makeWorkflow(db.pool, team.id)]);
    for (const wf of wfs) {
      await db.pool.query(`insert into app_public.workflow_nodes (workflow_id, team_id, name, type)
        select $1, $2, 'n' || g, 'core.noop' from generate_series(1, 10) g`, [wf.id, team.id]);
    }
    const crontab = path.join(dir, "crontab");
    await writeFile(crontab, "");
    const runner: Runner = await startWorker({ pgPool: db.pool, concurrency: 2, crontabFile: crontab, pollInterval: 200 });

    // slow readers widen the window between reading the row and caching it
    const jitterSleep = () => (Math.random() < 0.5 ? sleep(Math.random() * 4) : Promise.resolve());
    const readsOf = (cache: TieredCache) => ({
      byId: cached(cache, async (id: string) => { const v = await loadUserById(db.pool, id); await jitterSleep(); return v; }, { key: cacheKeys.userById, ...policies.user }),
      byEmail: cached(cache, async (e: string) => { const v = await loadUserByEmail(db.pool, e); await jitterSleep(); return v; }, { key: cacheKeys.userByEmail, ...policies.user }),
      graph: cached(cache, async (id: string) => { const v = await loadWorkflowWithNodes(db.pool, id); await jitterSleep(); return v; }, { key: cacheKeys.workflowGraph, ...policies.workflowGraph }),
    });
    const procs = [readsOf(A), readsOf(B)];
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

    // the repository write path: update in a transaction, invalidate after commit
    const renameThrough = (cache: TieredCache) => writeThrough(db.pool, cache, async (id: string, name: string) =>
      withTransaction(db.pool, async (c) => (await c.query("update app_public.users set name = $2 where id = $1 returning id, email", [id, name])).rows[0]),
    (u: { id: string; email: string }) => ({ keys: userKeys(u) }));
    const renames = [renameThrough(A), renameThrough(B)];

    const deadline = Date.now() + 2500;
    let writes = 0, reads = 0, emailChanges = 0;
    const writers = [
      (async () => { // repositories (TypeScript): write-through
        for (let i = 0; Date.now() < deadline; i++) { await pick(renames)(pick(users).id, `ts-${i}`); writes++; }
      })(),
      (async () => { // direct SQL, bypassing TypeScript: only the triggers invalidate
        for (let i = 0; Date.now() < deadline; i++) {
          await db.pool.query("update app_public.users set name = $2 where id = $1", [pick(users).id, `sql-${i}`]); writes++;
        }
      })(),
      (async () => { // email changes: the old and the new by-email keys must both follow
        for (let i = 1; Date.now() < deadline; i++) {
          const u = pick(users);
          const email = `race-${users.indexOf(u)}-${i}-${Date.now()}@example.com`;
          emails.add(email);
          await db.pool.query("update app_public.users set email = $2 where id = $1", [u.id, email]);
          emailChanges++;
          await sleep(5);
        }
      })(),
      (async () => { // graph edits through SQL: nodes updated, added, removed
        for (let i = 0; Date.now() < deadline; i++) {
          const wf = pick(wfs);
          const op = i % 3;
          if (op === 0) await db.pool.query("update app_public.workflow_nodes set parameters = jsonb_build_object('i', $2::int) where workflow_id = $1 and name = 'n1'", [wf.id, i]);
          else if (op === 1) await db.pool.query("insert into app_public.workflow_nodes (workflow_id, team_id, name, type) values ($1, $2, $3, 'core.noop')", [wf.id, team.id, `x${i}`]);
          else await db.pool.query("delete from app_public.workflow_nodes where workflow_id = $1 and name = (select min(name) from app_public.workflow_nodes where workflow_id = $1 and name like 'x%')", [wf.id]);
          writes++;
        }
      })(),
    ];
    const readers = Array.from({ length: 6 }, async () => {
      while (Date.now() < deadline) {
        const p = pick(procs);
        const r = Math.random();
        if (r < 0.4) await p.byId(pick(users).id);
        else if (r < 0.7) await p.byEmail(pick([...emails]));
        else await p.graph(pick(wfs).id);
        reads++;
        await new Promise((r) => setImmediate(r)); // local hits resolve in microtasks: let writers' I/O in
      }
    });
    await Promise.all([...writers, ...readers]);

    // invalidations drain: the worker empties the queue, then the bus reaches both local tiers
    await eventually(async () => (await db.pool.query("select count(*)::int as n from graphile_worker.jobs")).rows[0].n === 0, 20_000);
    await runner.stop();
    await drainJobs(db.pool);

    const expected = new Map<string, unknown>();
    for (const u of users) expected.set(cacheKeys.userById(u.id), await loadUserById(db.pool, u.id));
    for (const e of emails) expected.set(cacheKeys.userByEmail(e), await loadUserByEmail(db.pool, e));
    for (const wf of wfs) expected.set(cacheKeys.workflowGraph(wf.id), await loadWorkflowWithNodes(db.pool, wf.id));

    const mismatches = async () => {
      const bad: string[] = [];
      for (const [key, want] of expected) {
        const schemaVersion = 1;
        const inRedis = await verifier.get(key, { schemaVersion });
        if (inRedis !== undefined && JSON.stringify(inRedis) !== JSON.stringify(want)) bad.push(`redis ${key}: ${JSON.stringify(inRedis)} want ${JSON.stringify(want)}`);
        for (const c of [A, B]) {
          const local = c.local!.peek(key);
          if (local && JSON.stringify(local.value) !== JSON.stringify(want)) bad.push(`local ${c.name} ${key}: ${JSON.stringify(local.value)} want ${JSON.stringify(want)}`);
        }
      }
      return bad;
    };
    await eventually(async () => (await mismatches()).length === 0, 5000).catch(async () => {
      expect(await mismatches()).toEqual([]);
    });
    // and reads through both processes now return the database's values
    for (const p of procs) {
      for (const u of users) expect(await p.byId(u.id)).toEqual(expected.get(cacheKeys.userById(u.id)));
      for (const e of emails) expect(await p.byEmail(e)).toEqual(expected.get(cacheKeys.userByEmail(e)));
      for (const wf of wfs) expect(await p.graph(wf.id)).toEqual(expected.get(cacheKeys.workflowGraph(wf.id)));
    }
    const sa = A.stats(), sb = B.stats();
    console.log(`race: ${writes} writes, ${emailChanges} email changes, ${reads} reads; A ${JSON.stringify(sa)}; B ${JSON.stringify(sb)}`);
    expect(writes).toBeGreaterThan(20);
    expect(sa.hits.local + sa.hits.redis + sb.hits.local + sb.hits.redis).toBeGreaterThan(0);
    // (errors may be non-zero here: a Redis reply past the 50 ms timeout falls back to PostgreSQL; the
    // assertions above hold either way)
    await Promise.all([A.close(), B.close(), verifier.close()]);
    return { errors: sa.errors + sb.errors };
  }
}

describe("the cache under concurrent writes", () => {
  it.skipIf(!url)("leaves every cached value equal to the database once writers stop and invalidations drain", { timeout: 60_000 }, async () => {
    await concurrentWritesLeaveNothingStale(url!, url!, "shared");
  });

  it("the same with Redis replies delayed past the 50 ms timeout (a private redis-server behind a slowing proxy)", { timeout: 90_000 }, async () => {
    slow = await startSlowRedis();
    const { errors } = await concurrentWritesLeaveNothingStale(slow.url, slow.directUrl, "slow", 10);
    expect(slow.delayedPast(50)).toBeGreaterThan(5);
    expect(errors).toBeGreaterThan(0); // the timeout path ran
  });
});
