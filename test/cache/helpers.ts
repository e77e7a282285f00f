// Shared helpers of the cache tests: random namespaces, cleanup by SCAN (never FLUSHALL), draining the
// invalidation jobs through the real task file, and private redis-server processes (standalone and cluster).
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type pg from "pg";
import { Logger, runOnce } from "graphile-worker";
import { Redis } from "ioredis";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import type { RedisClient } from "../../src/cache/redis-tier.ts";

const run = promisify(execFile);

export const randomNamespace = (label: string) => `lft:${label}:${Math.random().toString(36).slice(2, 10)}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Removes every key of a test namespace (SCAN + UNLINK on every master). */
export async function dropNamespace(client: RedisClient, namespace: string): Promise<void> {
  const nodes: Redis[] = "nodes" in client && typeof client.nodes === "function" && !(client instanceof Redis) ? client.nodes("master") : [client as Redis];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
      cursor = next;
      for (const k of keys) await node.unlink(k);
    } while (cursor !== "0");
  }
}

// job failures are asserted through graphile_worker.jobs (attempts, last_error), not logged
const quietLogger = new Logger(() => () => {});

/**
 * Runs every pending job (cache_invalidate from the triggers) with the real tasks/ directory, until none is
 * left (jobs still locked by a finishing run are waited for). Throws when jobs remain after timeoutMs
 * (failed jobs waiting for their retry, for example).
 */
export async function drainJobs(pool: pg.Pool, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query(`select count(*)::int as total,
        count(*) filter (where locked_at is null and run_at <= now())::int as ready
      from graphile_worker.jobs where attempts < max_attempts`);
    if (rows[0].total === 0) return;
    if (Date.now() > deadline) throw new Error(`jobs did not drain: ${rows[0].total} left`);
    if (rows[0].ready > 0) await runOnce({ pgPool: pool, taskDirectory: path.join(PROJECT_ROOT, "tasks"), logger: quietLogger });
    else await sleep(20);
  }
}

export async function pendingJobs(pool: pg.Pool): Promise<{ key: string | null; attempts: number; last_error: string | null }[]> {
  const { rows } = await pool.query("select key, attempts, last_error from graphile_worker.jobs order by id");
  return rows;
}

/** Waits until cond() is true (pub/sub delivery, reconnection). */
export async function eventually(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

export interface RedisProcess { port: number; dir: string; proc: ChildProcess; stop(): Promise<void> }

/** Starts a private redis-server (never the shared one) on the given port, in a temp dir, without persistence. */
export async function startRedisServer(port: number, extra: string[] = [], dir?: string): Promise<RedisProcess> {
  const d = dir ?? await mkdtemp(path.join(os.tmpdir(), `lf-redis-${port}-`));
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", d, "--daemonize", "no", ...extra], { stdio: "ignore" });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  await waitForPing(port);
  return {
    port, dir: d, proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
      if (!dir) await rm(d, { recursive: true, force: true }); // a temp dir we created
    },
  };
}

async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const { stdout } = await run("redis-cli", ["-p", String(port), "ping"]);
      if (stdout.trim() === "PONG") return;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error(`redis-server on ${port} did not start`);
}

/** Starts a three-master Redis Cluster from the machine's redis-server on the given ports. */
export async function startCluster(ports: number[]): Promise<{ nodes: RedisProcess[]; stop(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "lf-redis-cluster-"));
  const nodes: RedisProcess[] = [];
  try {
    for (const port of ports) {
      const dir = path.join(root, String(port));
      await run("mkdir", ["-p", dir]);
      nodes.push(await startRedisServer(port, ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"], dir));
    }
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"]);
    for (let i = 0; i < 200; i++) {
      const infos = await Promise.all(ports.map((p) => run("redis-cli", ["-p", String(p), "cluster", "info"]).then((r) => r.stdout)));
      if (infos.every((s) => s.includes("cluster_state:ok"))) break;
      await sleep(50);
    }
  } catch (e) {
    for (const n of nodes) await n.stop();
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  return {
    nodes,
    async stop() {
      for (const n of nodes) await n.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
