// `npm run bench -- cache`: GetWithNodes of a 200-node workflow and GetByID of a user, uncached (PostgreSQL)
// versus Redis-tier hits versus local-tier hits, measured in the same run, interleaved in rounds so machine
// load drifts hit every variant alike. Figures are medians of per-call latencies (mean and p99 printed too).
// Last line: BENCH cache join_db_us=... join_redis_speedup=... db_us=... redis_us=... local_us=... redis_speedup=... local_speedup=...
// (GetWithNodes through the repositories; join_* is the plain join-based read of the same graph).
import client from "prom-client";
import pg from "pg";
import { Redis } from "ioredis";
import { cached, cacheKeys, createRedisClient, jsonCodec, policies, TieredCache } from "../src/cache/index.ts";
import { WorkflowRepository } from "../src/workflows/repository.ts";
import { CachedWorkflowRepository } from "../src/workflows/cached-repository.ts";
import { chain } from "../test/workflows/helpers.ts";
import { freshBenchDatabase, latencies, percentile, phaseSeconds, printBench } from "./lib.ts";
import { cachedReads, loadUserById, loadWorkflowWithNodes } from "../test/cache/reads.ts";

const NODES = 200;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const us = (ms: number) => ms * 1000;

async function untilReady(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error("cache not ready");
}

export default async function bench(): Promise<void> {
  const db = await freshBenchDatabase("cache");
  const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 4 });
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redis = createRedisClient({ url: redisUrl }) as Redis;
  const namespace = `lf:bench:cache:${Math.random().toString(36).slice(2, 8)}`;
  const registry = new client.Registry();
  const redisTier = new TieredCache({ redis, namespace, local: false, name: "redis-tier", registry });
  const localTier = new TieredCache({ redis, namespace, name: "local-tier", registry });
  try {
    // data: a user, a team and a workflow with 200 nodes, 199 connections and 3 triggers
    const { rows: [user] } = await pool.query("insert into app_public.users (email, name) values ('bench@example.com', 'Bench User') returning id");
    const { rows: [team] } = await pool.query("insert into app_public.teams (slug, name) values ('bench-team', 'Bench') returning id");
    const { rows: [wf] } = await pool.query("insert into app_public.workflows (team_id, name, description, settings, tags) values ($1, 'bench workflow', 'a workflow of 200 nodes', '{\"timezone\":\"UTC\",\"retries\":3}', '{bench,large}') returning id", [team.id]);
    await pool.query(`insert into app_public.workflow_nodes (workflow_id, team_id, name, type, parameters, position_x, position_y)
      select $1, $2, 'node ' || lpad(g::text, 3, '0'), 'http.request',
             jsonb_build_object('url', 'https://api.example.com/v1/items/' || g, 'method', 'POST',
               'headers', jsonb_build_object('content-type', 'application/json', 'x-step', g::text),
               'body', repeat('x', 120), 'timeout_ms', 30000, 'retry', jsonb_build_object('max', 3, 'backoff', 'exponential')),
             g * 220, (g % 7) * 140
        from generate_series(1, ${NODES}) g`, [wf.id, team.id]);
    await pool.query(`insert into app_public.workflow_connections (workflow_id, team_id, source_node_id, target_node_id)
      select $1, $2, a.id, b.id from app_public.workflow_nodes a join app_public.workflow_nodes b
        on b.workflow_id = a.workflow_id and b.name = 'node ' || lpad((substr(a.name, 6)::int + 1)::text, 3, '0')
       where a.workflow_id = $1`, [wf.id, team.id]);
    await pool.query(`insert into app_public.workflow_triggers (workflow_id, team_id, type, config)
      values ($1, $2, 'webhook', '{"path":"/hook"}'), ($1, $2, 'schedule', '{"cron":"*/5 * * * *"}'), ($1, $2, 'manual', '{}')`, [wf.id, team.id]);
    // the same size of graph created through the workflows API (stores the precomputed graph document)
    await pool.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'owner')", [team.id, user.id]);
    const repo = new WorkflowRepository(pool);
    const actor = { userId: user.id as string };
    const apiWf = await repo.as(actor).createWithVersion(team.id, chain(NODES));
    const cachedRepoRedis = new CachedWorkflowRepository(pool, redisTier, repo);
    const cachedRepoLocal = new CachedWorkflowRepository(pool, localTier, repo);
    await pool.query("analyze");

    await untilReady(() => redis.status === "ready" && localTier.localTierActive);
    const viaRedis = cachedReads(redisTier, pool);
    const viaLocal = cachedReads(localTier, pool);
    // variant: the Redis tier with plain JSON entries (the policy stores this entity zstd-compressed)
    const graphJson = cached(redisTier, (id: string) => loadWorkflowWithNodes(pool, id), {
      key: (id) => `${cacheKeys.workflowGraph(id)}:json`, ...policies.workflowGraph, codec: jsonCodec });
    await graphJson(wf.id);
    const graph = await loadWorkflowWithNodes(pool, wf.id);
    const graphBytes = Buffer.byteLength(JSON.stringify(graph));
    console.log(`GetWithNodes: ${graph!.nodes.length} nodes, ${graph!.connections.length} connections, ${graph!.triggers.length} triggers, ${(graphBytes / 1024).toFixed(1)} KiB as JSON`);
    // warm both caches (one miss each), and check they answer what PostgreSQL answers
    for (const r of [viaRedis, viaLocal]) {
      if (JSON.stringify(await r.workflowWithNodes(wf.id)) !== JSON.stringify(graph)) throw new Error("cached graph differs");
      if (JSON.stringify(await r.userById(user.id)) !== JSON.stringify(await loadUserById(pool, user.id))) throw new Error("cached user differs");
    }

    for (const r of [cachedRepoRedis, cachedRepoLocal]) {
      if (JSON.stringify(await r.as(actor).getWithNodes(apiWf.id)) !== JSON.stringify(await repo.as(actor).getWithNodes(apiWf.id))) throw new Error("cached repository graph differs");
    }
    const rounds = 3;
    const secs = phaseSeconds(1.5);
    const samples: Record<string, number[]> = {};
    const add = (k: string, xs: number[]) => { const into = (samples[k] ??= []); for (const x of xs) into.push(x); };
    // each variant runs for about `secs` per round: calibrate the count from a short first pass
    const timed = async (key: string, fn: () => Promise<unknown>) => {
      const probe = await latencies(20, fn);
      const n = Math.max(50, Math.min(200_000, Math.floor((secs * 1000) / Math.max(mean(probe), 0.0005))));
      add(key, await latencies(n, fn));
    };
    for (let round = 0; round < rounds; round++) {
      await timed("repo_db", () => repo.as(actor).getWithNodes(apiWf.id));
      await timed("repo_redis", () => cachedRepoRedis.as(actor).getWithNodes(apiWf.id));
      await timed("repo_local", () => cachedRepoLocal.as(actor).getWithNodes(apiWf.id));
      await timed("graph_db", () => loadWorkflowWithNodes(pool, wf.id));
      await timed("graph_redis", () => viaRedis.workflowWithNodes(wf.id));
      await timed("graph_local", () => viaLocal.workflowWithNodes(wf.id));
      await timed("graph_json", () => graphJson(wf.id));
      await timed("user_db", () => loadUserById(pool, user.id));
      await timed("user_redis", () => viaRedis.userById(user.id));
      await timed("user_local", () => viaLocal.userById(user.id));
    }
    const med = (k: string) => us(percentile(samples[k]!, 50));
    for (const k of Object.keys(samples)) {
      const xs = samples[k]!;
      console.log(`${k.padEnd(12)} n=${String(xs.length).padStart(7)}  p50=${med(k).toFixed(1).padStart(8)} us  mean=${us(mean(xs)).toFixed(1).padStart(8)} us  p99=${us(percentile(xs, 99)).toFixed(1).padStart(8)} us`);
    }
    console.log(`GetWithNodes, Redis tier with plain JSON entries instead of zstd: ${med("graph_json").toFixed(1)} us (${(med("graph_db") / med("graph_json")).toFixed(1)}x)`);
    const rs = redisTier.stats(), ls = localTier.stats();
    console.log(`redis tier: ${rs.hits.redis} hits, ${rs.misses} misses, ${rs.fallbacks} fallbacks to PostgreSQL, ${rs.errors} errors`);
    console.log(`local tier: ${ls.hits.local} local hits, ${ls.hits.redis} redis hits, ${ls.misses} misses, ${ls.fallbacks} fallbacks, ${ls.errors} errors`);
    console.log(`GetByID (user): db ${med("user_db").toFixed(1)} us, redis ${med("user_redis").toFixed(1)} us (${(med("user_db") / med("user_redis")).toFixed(1)}x), local ${med("user_local").toFixed(2)} us (${(med("user_db") / med("user_local")).toFixed(0)}x)`);
    const dbUs = med("graph_db"), redisUs = med("graph_redis"), localUs = med("graph_local");
    console.log(`GetWithNodes: db ${dbUs.toFixed(1)} us, redis ${redisUs.toFixed(1)} us (${(dbUs / redisUs).toFixed(1)}x, target >= 10x), local ${localUs.toFixed(2)} us (${(dbUs / localUs).toFixed(0)}x, target >= 100x)`);
    // The repository's GetWithNodes (as a user: RLS, precomputed graph document) is what callers use: it is the
    // baseline of the closing line. The join-based loader above is the same graph read without the document.
    const repoDb = med("repo_db"), repoRedis = med("repo_redis"), repoLocal = med("repo_local");
    console.log(`GetWithNodes through the repositories: db ${repoDb.toFixed(1)} us, redis ${repoRedis.toFixed(1)} us (${(repoDb / repoRedis).toFixed(1)}x), local ${repoLocal.toFixed(2)} us (${(repoDb / repoLocal).toFixed(0)}x)`);
    printBench("cache", {
      join_db_us: dbUs, join_redis_speedup: dbUs / redisUs,
      db_us: repoDb, redis_us: repoRedis, local_us: repoLocal, redis_speedup: repoDb / repoRedis, local_speedup: repoDb / repoLocal,
    });
  } finally {
    await redisTier.close();
    await localTier.close();
    // remove the bench namespace (SCAN + UNLINK; never FLUSHALL on a shared Redis)
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== "0");
    redis.disconnect();
    await pool.end();
    await db.drop();
  }
}
